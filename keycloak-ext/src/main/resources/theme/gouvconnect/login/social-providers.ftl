<#-- The identity providers: ProConnect, Pro Santé Connect, FranceConnect and FranceConnect+ as
     their official buttons (label, colours and "Qu'est-ce que … ?" link of the published
     guidelines, the markup of the core's button_html; FranceConnect+ with its presentation
     sentence above the button, docs/franceconnect.md "Buttons"); any other provider as Keycloak
     draws it. Texts from messages_{en,fr}.properties: the buttons' own words are the official
     French ones in every language, the link's "new window" hint follows the page. -->
<#assign brands = {"proconnect": "ProConnect", "prosanteconnect": "Pro Santé Connect",
    "franceconnect": "FranceConnect", "franceconnect-plus": "FranceConnect+"}>
<#assign infos = {"proconnect": "https://www.proconnect.gouv.fr/",
    "prosanteconnect": "https://esante.gouv.fr/produits-services/pro-sante-connect",
    "franceconnect": "https://franceconnect.gouv.fr/",
    "franceconnect-plus": "https://franceconnect.gouv.fr/france-connect-plus"}>
<#macro show social>
  <div class="${properties.kcLoginMainFooterBand!}">
      <span class="${properties.kcLoginMainFooterBandItem!} ${properties.kcLoginMainFooterHelperText!}">
          ${msg("identity-provider-login-label")}
      </span>
  </div>
  <div id="kc-social-providers" class="${properties.kcFormSocialAccountSectionClass!}">
    <#list social.providers as p>
      <#if brands[p.providerId]??>
        <#assign brand = brands[p.providerId]>
        <#assign info = infos[p.providerId]>
        <div class="gouvconnect-group">
          <#if p.providerId == "franceconnect-plus">
          <p class="gouvconnect-intro">${msg("gouvconnectFranceConnectPlusIntro")}</p>
          </#if>
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
