/* The EPUB reader: epub.js opens the book from /digital/<id>/content and shows it page by page in a
   sandboxed frame (the book's own scripts never run). Right-to-left books (the item's direction or the
   package's page-progression-direction) turn their pages right to left, and the arrow keys follow. */
"use strict";
(function () {
  try {
    if (localStorage.getItem("khizana-large-text") === "1") document.documentElement.classList.add("large-text");
  } catch (e) { /* private mode */ }

  const root = document.getElementById("reader");
  const area = document.getElementById("book");
  const status = document.getElementById("reader-status");
  const keysHelp = document.getElementById("keys-help");
  const pageTurn = document.getElementById("page-turn");
  const tocBox = document.getElementById("toc");
  const tocList = document.getElementById("toc-list");
  const tocToggle = document.getElementById("toc-toggle");
  const sizeLevel = document.getElementById("text-size-level");
  const buttons = {
    prev: document.getElementById("prev"),
    next: document.getElementById("next"),
    smaller: document.getElementById("text-smaller"),
    larger: document.getElementById("text-larger"),
    toc: tocToggle,
  };
  const SIZES = [80, 90, 100, 115, 130, 150, 175, 200];
  let size = 100;
  let direction = root.dataset.bookDir === "rtl" ? "rtl" : "ltr";
  let rendition = null;
  let chapters = {};

  function message(name, values) {
    let text = root.dataset[name] || "";
    for (const [key, value] of Object.entries(values || {})) text = text.replace(`%(${key})s`, String(value));
    return text;
  }

  function fail(error) {
    console.error(error);
    area.dataset.state = "error";
    status.textContent = message("msgError");
    status.classList.add("error");
  }

  function setDirection(value) {
    direction = value === "rtl" ? "rtl" : "ltr";
    area.setAttribute("dir", direction);
    pageTurn.setAttribute("dir", direction);
    root.dataset.bookDir = direction;
    keysHelp.textContent = message(direction === "rtl" ? "msgKeysRtl" : "msgKeysLtr");
  }

  function onKey(event) {
    if (event.altKey || event.ctrlKey || event.metaKey || !rendition) return;
    const target = event.target;
    if (target && (target.tagName === "INPUT" || target.tagName === "SELECT")) return;
    const forward = direction === "rtl" ? "ArrowLeft" : "ArrowRight";
    const backward = direction === "rtl" ? "ArrowRight" : "ArrowLeft";
    if (event.key === forward || event.key === "PageDown") {
      event.preventDefault && event.preventDefault();
      rendition.next();
    } else if (event.key === backward || event.key === "PageUp") {
      event.preventDefault && event.preventDefault();
      rendition.prev();
    }
  }

  function setSize(value) {
    size = value;
    sizeLevel.textContent = `${size}%`;
    if (rendition) rendition.themes.fontSize(`${size}%`);
    buttons.smaller.disabled = size <= SIZES[0];
    buttons.larger.disabled = size >= SIZES[SIZES.length - 1];
    try { localStorage.setItem("khizana-reader-size", String(size)); } catch (e) { /* private mode */ }
  }

  function step(delta) {
    const index = SIZES.indexOf(size);
    const next = SIZES[Math.max(0, Math.min(SIZES.length - 1, (index < 0 ? 2 : index) + delta))];
    setSize(next);
  }

  // Table of contents links are relative to the navigation document; the spine's to the package.
  function resolveHref(book, href) {
    const packaging = book.packaging || {};
    const base = packaging.navPath || packaging.ncxPath || "";
    if (!base || !href) return href;
    try {
      const url = new URL(href, `https://book.invalid/${base}`);
      const resolved = decodeURIComponent(url.pathname.slice(1)) + url.hash;
      return book.spine.get(resolved.split("#")[0]) ? resolved : href;
    } catch (e) {
      return href;
    }
  }

  function fillToc(book, toc) {
    const add = (items, list) => {
      for (const entry of items) {
        const li = document.createElement("li");
        const button = document.createElement("button");
        button.type = "button";
        button.className = "link-like";
        button.textContent = (entry.label || "").trim();
        const href = resolveHref(book, entry.href);
        button.addEventListener("click", () => {
          rendition.display(href);
          tocBox.hidden = true;
          tocToggle.setAttribute("aria-expanded", "false");
          area.focus();
        });
        li.appendChild(button);
        chapters[href.split("#")[0]] = button.textContent;
        if (entry.subitems && entry.subitems.length) {
          const sub = document.createElement("ol");
          add(entry.subitems, sub);
          li.appendChild(sub);
        }
        list.appendChild(li);
      }
    };
    add(toc, tocList);
    tocToggle.disabled = toc.length === 0;
  }

  function announce(location) {
    if (!location || !location.start) return;
    const shown = location.start.displayed || {};
    const chapter = chapters[location.start.href] || "";
    const values = { page: shown.page || 1, total: shown.total || 1, chapter };
    status.textContent = chapter ? message("msgChapterPage", values) : message("msgPage", values);
    buttons.prev.disabled = Boolean(location.atStart);
    buttons.next.disabled = Boolean(location.atEnd);
  }

  function open() {
    if (typeof window.ePub !== "function") {
      fail(new Error("epub.js did not load"));
      return;
    }
    const book = window.ePub(root.dataset.content, { openAs: "epub", requestCredentials: true });
    book.ready.then(() => {
      const fromPackage = book.package && book.package.metadata && book.package.metadata.direction;
      setDirection(fromPackage || direction);
      rendition = book.renderTo(area, {
        width: "100%",
        height: "100%",
        flow: "paginated",
        spread: "none",
        allowScriptedContent: false,
        defaultDirection: direction,
      });
      rendition.on("relocated", announce);
      rendition.on("keydown", onKey);
      rendition.on("rendered", (section, view) => {
        if (view && view.iframe) view.iframe.setAttribute("title", message("msgFrame"));
        area.dataset.state = "ready";
        if (!document.documentElement.dataset.firstPageMs) {
          document.documentElement.dataset.firstPageMs = String(Math.round(performance.now()));
        }
      });
      let saved = 100;
      try { saved = parseInt(localStorage.getItem("khizana-reader-size") || "100", 10); } catch (e) { /* */ }
      setSize(SIZES.includes(saved) ? saved : 100);
      for (const button of [buttons.prev, buttons.next]) button.disabled = false;
      // "#page=N" (links from the search inside the book) opens the N-th document of the spine.
      const asked = /(?:^#|&)page=(\d+)/.exec(window.location.hash);
      const section = asked ? book.spine.get(Number(asked[1]) - 1) : null;
      return rendition.display(section ? section.href : undefined);
    }).then(() => book.loaded.navigation).then((navigation) => {
      fillToc(book, (navigation && navigation.toc) || []);
    }).catch(fail);
  }

  buttons.prev.addEventListener("click", () => rendition && rendition.prev());
  buttons.next.addEventListener("click", () => rendition && rendition.next());
  buttons.smaller.addEventListener("click", () => step(-1));
  buttons.larger.addEventListener("click", () => step(1));
  tocToggle.addEventListener("click", () => {
    const opening = tocBox.hidden;
    tocBox.hidden = !opening;
    tocToggle.setAttribute("aria-expanded", String(opening));
    if (opening) {
      const first = tocList.querySelector("button");
      if (first) first.focus();
    }
  });
  document.addEventListener("keydown", onKey);
  open();
})();
