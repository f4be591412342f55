// Page-image viewer: OpenSeadragon in sequence mode over IIIF info.json tile sources, with our own
// accessible controls (real buttons, keyboard, a live status line); right-to-left books turn leftwards.
(function () {
  "use strict";
  var element = document.getElementById("page-viewer");
  if (!element || !window.OpenSeadragon) return;
  var pages = JSON.parse(document.getElementById("viewer-pages").textContent);
  var rtl = element.dataset.rtl === "1";
  // "#page=N" (links from the search inside the book) opens that page.
  var asked = /(?:^#|&)page=(\d+)/.exec(window.location.hash);
  var start = Math.min(Math.max(asked ? parseInt(asked[1], 10) : 1, 1), pages.length) - 1;
  var viewer = OpenSeadragon({
    element: element,
    prefixUrl: element.dataset.prefix,
    tileSources: pages.map(function (page) { return page.info; }),
    sequenceMode: true,
    initialPage: start,
    showNavigationControl: false,
    showSequenceControl: false,
    showRotationControl: false,
    preserveViewport: false,
    crossOriginPolicy: "Anonymous",
    gestureSettingsMouse: { clickToZoom: true },
    keyboardNavEnabled: false
  });
  var current = start;
  var status = document.getElementById("viewer-status");
  var input = document.getElementById("viewer-page");

  function announce() {
    var page = pages[current];
    status.textContent = element.dataset.status
      .replace("{page}", current + 1).replace("{count}", pages.length).replace("{label}", page.label);
    input.value = current + 1;
    document.getElementById("viewer-previous").disabled = current === 0;
    document.getElementById("viewer-next").disabled = current === pages.length - 1;
  }
  function go(index) {
    if (index < 0 || index >= pages.length || index === current) return;
    current = index;
    viewer.goToPage(index);
    announce();
  }
  function zoom(factor) { viewer.viewport.zoomBy(factor); viewer.viewport.applyConstraints(); }
  function on(id, handler) { document.getElementById(id).addEventListener("click", handler); }

  on("viewer-previous", function () { go(current - 1); });
  on("viewer-next", function () { go(current + 1); });
  on("viewer-zoom-in", function () { zoom(1.5); });
  on("viewer-zoom-out", function () { zoom(1 / 1.5); });
  on("viewer-home", function () { viewer.viewport.goHome(); });
  on("viewer-rotate", function () { viewer.viewport.setRotation((viewer.viewport.getRotation() + 90) % 360); });
  on("viewer-full", function (event) {
    var full = !viewer.isFullPage();
    viewer.setFullScreen(full);
    event.currentTarget.setAttribute("aria-pressed", full ? "true" : "false");
  });
  input.addEventListener("change", function () {
    var wanted = parseInt(input.value, 10);
    if (wanted >= 1 && wanted <= pages.length) go(wanted - 1); else input.value = current + 1;
  });
  viewer.addHandler("page", function (event) { current = event.page; announce(); });
  element.addEventListener("keydown", function (event) {
    var forward = rtl ? "ArrowLeft" : "ArrowRight";
    var backward = rtl ? "ArrowRight" : "ArrowLeft";
    var handled = true;
    if (event.key === forward || event.key === "PageDown") go(current + 1);
    else if (event.key === backward || event.key === "PageUp") go(current - 1);
    else if (event.key === "Home") go(0);
    else if (event.key === "End") go(pages.length - 1);
    else if (event.key === "+" || event.key === "=") zoom(1.5);
    else if (event.key === "-") zoom(1 / 1.5);
    else if (event.key === "0") viewer.viewport.goHome();
    else handled = false;
    if (handled) event.preventDefault();
  });
  announce();
})();
