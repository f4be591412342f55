/* The PDF reader: PDF.js draws one page at a time on a canvas, with its text layer above it (selectable,
   read by screen readers and found by the browser's search). Scripts only from our static files. */

const root = document.getElementById("reader");
const book = document.getElementById("book");
const pageBox = document.getElementById("pdf-page");
const canvas = document.getElementById("pdf-canvas");
const textLayerBox = document.getElementById("text-layer");
const status = document.getElementById("reader-status");
const pageInput = document.getElementById("page-number");
const pageTotal = document.getElementById("page-total");
const gotoForm = document.getElementById("goto");
const zoomLevel = document.getElementById("zoom-level");
const buttons = {
  prev: document.getElementById("prev"),
  next: document.getElementById("next"),
  zoomIn: document.getElementById("zoom-in"),
  zoomOut: document.getElementById("zoom-out"),
  zoomFit: document.getElementById("zoom-fit"),
  go: gotoForm.querySelector("button"),
};
const rtl = root.dataset.bookDir === "rtl";
const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3];

try {
  if (localStorage.getItem("khizana-large-text") === "1") document.documentElement.classList.add("large-text");
} catch (e) { /* private mode */ }

const state = { pdf: null, page: 1, zoom: null, fit: true, rendering: null, pending: null, textLayer: null };

function message(name, values) {
  let text = root.dataset[name] || "";
  for (const [key, value] of Object.entries(values || {})) text = text.replace(`%(${key})s`, String(value));
  return text;
}

function fitScale(page) {
  const width = book.clientWidth - 16;
  const unscaled = page.getViewport({ scale: 1 });
  return Math.max(0.25, Math.min(4, width / unscaled.width));
}

async function render(number) {
  const page = await state.pdf.getPage(number);
  const scale = state.fit ? fitScale(page) : state.zoom;
  state.zoom = scale;
  const viewport = page.getViewport({ scale });
  const ratio = window.devicePixelRatio || 1;
  canvas.width = Math.floor(viewport.width * ratio);
  canvas.height = Math.floor(viewport.height * ratio);
  canvas.style.width = `${Math.floor(viewport.width)}px`;
  canvas.style.height = `${Math.floor(viewport.height)}px`;
  pageBox.style.width = `${Math.floor(viewport.width)}px`;
  pageBox.style.height = `${Math.floor(viewport.height)}px`;
  pageBox.style.setProperty("--total-scale-factor", String(scale));
  pageBox.style.setProperty("--scale-factor", String(scale));
  pageBox.style.setProperty("--scale-round-x", "1px");
  pageBox.style.setProperty("--scale-round-y", "1px");
  const transform = ratio !== 1 ? [ratio, 0, 0, ratio, 0, 0] : null;
  await page.render({ canvas, canvasContext: canvas.getContext("2d"), viewport, transform }).promise;
  if (state.textLayer) state.textLayer.cancel();
  textLayerBox.replaceChildren();
  state.textLayer = new state.lib.TextLayer({
    textContentSource: page.streamTextContent(),
    container: textLayerBox,
    viewport,
  });
  await state.textLayer.render();
}

async function show(number) {
  if (!state.pdf) return;
  number = Math.max(1, Math.min(state.pdf.numPages, number));
  if (state.rendering) {
    state.pending = number;
    return;
  }
  state.page = number;
  state.rendering = render(number);
  try {
    await state.rendering;
    pageBox.dataset.state = "ready";
    pageBox.dataset.page = String(number);
    if (!document.documentElement.dataset.firstPageMs) {
      document.documentElement.dataset.firstPageMs = String(Math.round(performance.now()));
    }
  } catch (error) {
    if (error && error.name !== "RenderingCancelledException") fail(error);
  } finally {
    state.rendering = null;
  }
  update();
  if (state.pending !== null) {
    const next = state.pending;
    state.pending = null;
    show(next);
  }
}

function update() {
  const total = state.pdf.numPages;
  pageInput.value = String(state.page);
  pageInput.max = String(total);
  pageTotal.textContent = `/ ${total}`;
  buttons.prev.disabled = state.page <= 1;
  buttons.next.disabled = state.page >= total;
  zoomLevel.textContent = `${Math.round(state.zoom * 100)}%`;
  status.textContent = message("msgPage", { page: state.page, total });
}

function zoomBy(step) {
  const current = state.zoom || 1;
  const sorted = step > 0 ? ZOOMS.filter((z) => z > current + 0.01) : ZOOMS.filter((z) => z < current - 0.01);
  if (!sorted.length) return;
  state.zoom = step > 0 ? sorted[0] : sorted[sorted.length - 1];
  state.fit = false;
  show(state.page);
}

function fail(error) {
  console.error(error);
  pageBox.dataset.state = "error";
  status.textContent = message("msgError");
  status.classList.add("error");
}

function onKey(event) {
  if (event.target instanceof HTMLInputElement || event.altKey || event.ctrlKey || event.metaKey) return;
  const forward = rtl ? "ArrowLeft" : "ArrowRight";
  const backward = rtl ? "ArrowRight" : "ArrowLeft";
  const actions = {
    [forward]: () => show(state.page + 1),
    [backward]: () => show(state.page - 1),
    PageDown: () => show(state.page + 1),
    PageUp: () => show(state.page - 1),
    Home: () => show(1),
    End: () => show(state.pdf.numPages),
    "+": () => zoomBy(1),
    "=": () => zoomBy(1),
    "-": () => zoomBy(-1),
  };
  const action = actions[event.key];
  if (action && state.pdf) {
    event.preventDefault();
    action();
  }
}

// "#page=N" (links from the search inside the book) opens that page.
function pageFromHash() {
  const match = /(?:^#|&)page=(\d+)/.exec(window.location.hash);
  const page = match ? Number(match[1]) : 1;
  return Math.min(Math.max(page, 1), state.pdf.numPages);
}

async function open() {
  try {
    const lib = await import(root.dataset.pdfjs);
    state.lib = lib;
    lib.GlobalWorkerOptions.workerSrc = root.dataset.worker;
    const task = lib.getDocument({
      url: root.dataset.content,
      cMapUrl: root.dataset.cmaps,
      cMapPacked: true,
      standardFontDataUrl: root.dataset.fonts,
      isEvalSupported: false,
      withCredentials: true,
    });
    state.pdf = await task.promise;
    for (const button of Object.values(buttons)) button.disabled = false;
    pageInput.disabled = false;
    await show(pageFromHash());
  } catch (error) {
    fail(error);
  }
}

buttons.prev.addEventListener("click", () => show(state.page - 1));
buttons.next.addEventListener("click", () => show(state.page + 1));
buttons.zoomIn.addEventListener("click", () => zoomBy(1));
buttons.zoomOut.addEventListener("click", () => zoomBy(-1));
buttons.zoomFit.addEventListener("click", () => {
  state.fit = true;
  show(state.page);
});
gotoForm.addEventListener("submit", (event) => {
  event.preventDefault();
  const wanted = parseInt(pageInput.value, 10);
  if (!Number.isNaN(wanted)) show(wanted);
});
document.addEventListener("keydown", onKey);
let resizeTimer = null;
window.addEventListener("resize", () => {
  if (!state.fit || !state.pdf) return;
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => show(state.page), 200);
});
open();
