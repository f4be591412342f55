// Posts Khizana's SAML answer to the service provider as soon as the page is read (the page's button
// does the same without JavaScript).
document.getElementById("saml-post").submit();
