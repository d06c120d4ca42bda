<#-- The Pro Santé Connect practice chooser (gouvconnect's post-login authenticator and its
     "switch practice" action): one radio button a practice, labelled with the profession and
     specialty as the core labels them, described by the structure and its place; a fieldset
     and its legend name the choice, the first (or current) practice is selected, so the keyboard
     alone chooses (arrows) and submits (Enter). Shipped in the jar's theme-resources, so every
     login theme has it (a theme may still override it with its own gouvconnect-practice.ftl). -->
<#import "template.ftl" as layout>
<@layout.registrationLayout displayMessage=true; section>
  <#if section = "header">
    ${msg("gouvconnectPracticeTitle")}
  <#elseif section = "form">
    <style>
      .gouvconnect-practice{border:0;padding:0;margin:0 0 1rem}
      .gouvconnect-practice__legend{font-weight:700;margin-bottom:.5rem}
      .gouvconnect-practice__list{list-style:none;padding:0;margin:0}
      .gouvconnect-practice__item{display:grid;grid-template-columns:auto 1fr;gap:0 .75rem;padding:.75rem 0;border-bottom:1px solid #ddd}
      .gouvconnect-practice__where{grid-column:2;margin:0}
      .gouvconnect-practice__item input{width:1.25rem;height:1.25rem;margin-top:.2rem}
      .gouvconnect-practice__item input:focus-visible{outline:3px solid #0a76f6;outline-offset:2px}
    </style>
    <#if gouvconnectPracticeWho?has_content>
      <p id="gouvconnect-practice-intro" class="gouvconnect-practice__intro">${msg("gouvconnectPracticeIntro", gouvconnectPracticeWho)}</p>
    </#if>
    <form id="gouvconnect-practice-form" class="${properties.kcFormClass!}" action="${url.loginAction}" method="post">
      <fieldset class="gouvconnect-practice">
        <legend class="gouvconnect-practice__legend">${msg("gouvconnectPracticeLegend")}</legend>
        <ul class="gouvconnect-practice__list">
          <#list gouvconnectPractices as p>
            <li class="gouvconnect-practice__item">
              <input type="radio" name="practice" id="practice-${p?index}" value="${p.id}"
                     aria-describedby="practice-${p?index}-where"<#if p.id == gouvconnectPracticeSelected> checked</#if>>
              <label for="practice-${p?index}">
                <strong><#if p.profession??>${p.profession}<#elseif p.professionCode??>${msg("gouvconnectPracticeProfessionCode", p.professionCode)}<#else>${msg("gouvconnectPracticeProfessionUnknown")}</#if></strong><#if p.specialty??> — ${p.specialty}</#if>
              </label>
              <p id="practice-${p?index}-where" class="gouvconnect-practice__where">
                <#if p.structure??>${p.structure}<#else>${msg("gouvconnectPracticeStructureUnknown")}</#if><#if p.place??>, ${p.place}</#if>
                <#if p.details??><br><small>${p.details}</small></#if>
              </p>
            </li>
          </#list>
        </ul>
      </fieldset>
      <div class="${properties.kcFormGroupClass!}">
        <div class="${properties.kcFormActionGroupClass!}">
          <button id="gouvconnect-practice-submit" class="${properties.kcButtonPrimaryClass!} ${properties.kcButtonBlockClass!}" type="submit">${msg("gouvconnectPracticeSubmit")}</button>
          <#if isAppInitiatedAction??>
            <button class="${properties.kcButtonSecondaryClass!} ${properties.kcButtonBlockClass!}" type="submit" name="cancel-aia" value="true" formnovalidate>${msg("gouvconnectPracticeCancel")}</button>
          </#if>
        </div>
      </div>
    </form>
  </#if>
</@layout.registrationLayout>
