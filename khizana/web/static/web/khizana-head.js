/* Khizana: run in <head>, before the page is drawn (a file, not an inline script: the
   Content-Security-Policy allows scripts from our static files only). Marks the page as having
   JavaScript and applies the "larger text" choice kept in the browser, so the page never flashes. */
document.documentElement.classList.replace("no-js", "js");
try { if (localStorage.getItem("khizana-large-text") === "1") document.documentElement.classList.add("large-text"); } catch (e) {}
