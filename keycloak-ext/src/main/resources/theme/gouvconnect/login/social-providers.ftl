<#-- The identity providers: ProConnect and Pro Santé Connect as their official buttons (label,
     colours and "Qu'est-ce que … ?" link of the published guidelines); any other provider as
     Keycloak draws it. Texts from messages_{en,fr}.properties: the buttons' own words are the
     official French ones in every language, the link's "new window" hint follows the page. -->
<#macro show social>
  <div class="${properties.kcLoginMainFooterBand!}">
      <span class="${properties.kcLoginMainFooterBandItem!} ${properties.kcLoginMainFooterHelperText!}">
          ${msg("identity-provider-login-label")}
      </span>
  </div>
  <div id="kc-social-providers" class="${properties.kcFormSocialAccountSectionClass!}">
    <#list social.providers as p>
      <#if p.providerId == "proconnect" || p.providerId == "prosanteconnect">
        <#assign brand = (p.providerId == "proconnect")?then("ProConnect", "Pro Santé Connect")>
        <#assign info = (p.providerId == "proconnect")?then("https://www.proconnect.gouv.fr/", "https://esante.gouv.fr/produits-services/pro-sante-connect")>
        <div class="gouvconnect-group">
          <a id="social-${p.alias}" class="gouvconnect-button gouvconnect-button--${p.providerId}" href="${p.loginUrl}">
            <span class="gouvconnect-button__login">${msg("gouvconnectLoginWith")}</span>
            <span class="gouvconnect-button__brand">${brand}</span>
          </a>
          <p class="gouvconnect-info"><a href="${info}" target="_blank" rel="noopener noreferrer"
             title="${msg("gouvconnectWhatIs", brand)} - ${msg("gouvconnectNewWindow")}">${msg("gouvconnectWhatIs", brand)}</a></p>
        </div>
      <#else>
        <a id="social-${p.alias}" class="${properties.kcFormSocialAccountListButtonClass!}" href="${p.loginUrl}">${p.displayName!}</a>
      </#if>
    </#list>
  </div>
</#macro>
