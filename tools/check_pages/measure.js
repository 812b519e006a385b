async ({siteMode, phone}) => {
  const TOL = 1;
  const sleep = ms => new Promise(r => setTimeout(r, ms));
  const result = {problems: [], info: {}};
  // MathJax: wait for the first typeset (it may load late from the site's CDN link)
  const hasMath = () => document.querySelector('span.math, script[type^="math/tex"]') !== null;
  let waited = 0;
  while (hasMath() && !(window.MathJax && MathJax.startup && MathJax.startup.promise) && waited < 20000) {
    await sleep(100); waited += 100;
  }
  if (window.MathJax && MathJax.startup && MathJax.startup.promise) {
    try { await MathJax.startup.promise; } catch (e) { result.info.mathjaxFailure = String(e); }
    result.info.mathjax = MathJax.version;
  }
  // what a reader can open must fit as well
  document.querySelectorAll('.callout-collapse.collapse').forEach(e => e.classList.add('show'));
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  // a code line that Quarto's CSS would wrap counts as too long: measure with white-space: pre
  const s = document.createElement('style');
  s.textContent = 'pre > code.sourceCode, pre.sourceCode, div.sourceCode pre, .cell-output pre, ' +
                  '.cell-output pre code { white-space: pre !important; }';
  document.head.appendChild(s);
  await document.fonts.ready;
  for (let i = 0; i < 50 && document.fonts.status !== 'loaded'; i++) await sleep(100);   // MathJax's fonts load late
  await sleep(100);
  await document.fonts.ready;
  await Promise.all([...document.images].map(img => img.decode ? img.decode().catch(() => null) : null));
  await sleep(50);

  const main = document.querySelector('main.content, #quarto-document-content, main');
  if (!main) { result.info.noColumn = true; return result; }
  if (phone) return phoneReport(main, result, TOL);
  // The text column: where the book's paragraphs sit (Quarto places them on grid lines).
  let paras = [...main.querySelectorAll(':scope > p, :scope section > p, :scope > .md > p')]
      .filter(p => !p.closest('.callout, .cell, table, li'));
  const mr = main.getBoundingClientRect();
  let colLeft = mr.left, colRight = mr.right;
  if (paras.length) {
    colLeft = Math.min(...paras.map(p => p.getBoundingClientRect().left));
    colRight = Math.max(...paras.map(p => p.getBoundingClientRect().right));
  }
  result.info.column = {left: colLeft, right: colRight, width: colRight - colLeft};
  const cs = getComputedStyle(document.body);
  result.info.bodyFont = cs.fontSize + ' ' + cs.fontFamily.split(',')[0];
  result.info.rootFont = getComputedStyle(document.documentElement).fontSize;

  const headings = [...main.querySelectorAll('h1, h2, h3, h4')];
  const cells = [...main.querySelectorAll('div.cell')];
  const texOf = new Map();
  if (window.MathJax && MathJax.startup && MathJax.startup.document) {
    for (const item of Array.from(MathJax.startup.document.math)) {
      if (item.typesetRoot) texOf.set(item.typesetRoot, item);
    }
  }
  const fonts = new Set();
  function where(el) {
    const w = {};
    const c = el.closest('[data-cell]');
    if (c) { w.cell = Number(c.dataset.cell); w.cellId = c.dataset.cellId || null; }
    else { const dc = el.closest('div.cell'); if (dc) w.cell = cells.indexOf(dc); }
    let h = null;
    for (const x of headings) {
      if (x.compareDocumentPosition(el) & Node.DOCUMENT_POSITION_FOLLOWING) h = x; else break;
    }
    if (h) w.section = h.textContent.replace(/\s+/g, ' ').trim().slice(0, 60);
    if (el.closest('.callout')) {
      const t = el.closest('.callout').querySelector('.callout-title-container');
      if (t) w.callout = t.textContent.trim().slice(0, 60);
    }
    return w;
  }
  const flagged = new Set();
  function report(kind, el, extra) {
    flagged.add(el);
    const origin = el.closest('.cell-output') ? 'output' : el.closest('div.cell') ? 'cell' : 'prose';
    result.problems.push(Object.assign({kind, origin}, where(el), extra));
  }
  function widths(el) {
    const r = el.getBoundingClientRect();
    const inBox = el.scrollWidth - el.clientWidth;      // content past its own box (scrolls or is cut)
    const pastColumn = r.right - colRight;              // the box itself runs into the margin
    const contentRight = r.left + el.scrollWidth + (r.width - el.clientWidth);
    return {r, inBox, pastColumn, contentRight,
            needed: Math.round(Math.max(el.scrollWidth + (r.width - el.clientWidth), r.width)),
            available: Math.round(Math.min(r.width, colRight - r.left))};
  }
  function charsFit(pre) {
    const probe = document.createElement('span');
    probe.textContent = '0'.repeat(40);
    probe.style.whiteSpace = 'pre';
    (pre.querySelector('code') || pre).appendChild(probe);
    const w = probe.getBoundingClientRect().width / 40;
    probe.remove();
    const st = getComputedStyle(pre);
    const inner = pre.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
    const room = Math.min(inner, colRight - pre.getBoundingClientRect().left - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight));
    fonts.add(st.fontSize + ' monospace, ' + w.toFixed(3) + ' px/char');
    return {charPx: w, fit: Math.floor(room / w + 0.02)};
  }
  function lineReport(pre) {
    const lines = pre.textContent.replace(/\n$/, '').split('\n');
    const {charPx, fit} = charsFit(pre);
    const lens = lines.map(l => [...l].length);
    const longest = Math.max(0, ...lens);
    const li = lens.indexOf(longest);
    return {chars: longest, fits: fit, line: li + 1, linesTooLong: lens.filter(n => n > fit).length,
            excerpt: lines[li].slice(0, 80)};
  }

  // code blocks (cells and ```fences, in prose or in Markdown outputs)
  for (const pre of main.querySelectorAll('div.sourceCode pre')) {
    const w = widths(pre);
    if (w.inBox > TOL || w.pastColumn > TOL) {
      const lr = lineReport(pre);
      report('code', pre, Object.assign({width: w.needed, available: w.available}, lr));
    }
  }
  // text outputs
  for (const pre of main.querySelectorAll('.cell-output pre:not(.sourceCode)')) {
    if (pre.closest('div.sourceCode')) continue;
    const w = widths(pre);
    if (w.inBox > TOL || w.pastColumn > TOL) {
      const lr = lineReport(pre);
      report('text', pre, Object.assign({width: w.needed, available: w.available}, lr));
    }
  }
  // math
  for (const mj of main.querySelectorAll('mjx-container')) {
    const display = mj.getAttribute('display') === 'true';
    const item = texOf.get(mj);
    const tex = item ? String(item.math).replace(/\s+/g, ' ').trim() : '';
    let over = false, needed, available;
    if (display) {
      const w = widths(mj);
      const math = mj.querySelector('mjx-math');
      const mr2 = math ? math.getBoundingClientRect() : w.r;
      needed = Math.round(Math.max(w.needed, mr2.width));
      available = w.available;
      over = w.inBox > TOL || w.pastColumn > TOL || mr2.right - Math.min(w.r.right, colRight) > TOL;
    } else {
      // inline math; a box of its own (styles.css lets show's matrices scroll) must still hold it
      const r = mj.getBoundingClientRect();
      const math = mj.querySelector('mjx-math');
      const mr2 = math ? math.getBoundingClientRect() : r;
      const boxed = getComputedStyle(mj).display !== 'inline';
      needed = Math.round(Math.max(r.width, mr2.width, boxed ? mj.scrollWidth : 0));
      available = Math.round(Math.min(colRight - colLeft, colRight - r.left));
      over = r.right - colRight > TOL || (boxed && (mj.scrollWidth - mj.clientWidth > TOL ||
                                                    mr2.right - Math.min(r.right, colRight) > TOL));
    }
    if (over) report('math', mj, {width: needed, available, display, excerpt: tex.slice(0, 80)});
  }
  // MathJax errors, and math that was never typeset
  const errorSeen = new Set();
  for (const [root, item] of texOf) {
    const msgs = [];
    if (item.root && item.root.walkTree) {
      item.root.walkTree(node => {
        if (node.isKind && node.isKind('merror')) msgs.push('merror');
        else if (node.isKind && node.isKind('mtext') && node.attributes && node.attributes.get('mathcolor') === 'red')
          msgs.push('undefined macro (shown in red)');
      });
    }
    const dom = root.querySelector('mjx-merror');
    if (dom) msgs.push(dom.getAttribute('data-mjx-error') || dom.textContent.trim());
    if (msgs.length) {
      errorSeen.add(root);
      const m = [...new Set(msgs)].filter(x => x !== 'merror');
      report('math-error', root, {message: (m.length ? m : msgs).join('; ').slice(0, 120),
                                  excerpt: String(item.math).replace(/\s+/g, ' ').trim().slice(0, 80)});
    }
  }
  for (const el of main.querySelectorAll('mjx-merror')) {
    const root = el.closest('mjx-container');
    if (root && errorSeen.has(root)) continue;
    report('math-error', el, {message: (el.getAttribute('data-mjx-error') || el.textContent).slice(0, 120)});
  }
  for (const span of main.querySelectorAll('span.math')) {
    if (!span.querySelector('mjx-container'))
      report('math-error', span, {message: window.MathJax ? 'not typeset' : 'MathJax did not load',
                                  excerpt: span.textContent.slice(0, 80)});
  }
  // tables
  for (const t of main.querySelectorAll('table')) {
    const w = widths(t);
    if (w.inBox > TOL || w.pastColumn > TOL) {
      report('table', t, {width: w.needed, available: w.available,
                          excerpt: t.textContent.replace(/\s+/g, ' ').trim().slice(0, 80)});
      continue;
    }
    for (const td of t.querySelectorAll('td, th')) {
      if (td.querySelector('mjx-container[display="true"]')) continue;   // measured as math
      if (td.scrollWidth - td.clientWidth > TOL) {
        report('table', td, {width: td.scrollWidth, available: td.clientWidth, cellText: true,
                             excerpt: td.textContent.replace(/\s+/g, ' ').trim().slice(0, 80)});
        break;
      }
    }
    const r = t.getBoundingClientRect();
    result.info.tallestTable = Math.max(result.info.tallestTable || 0, Math.round(r.height));
  }
  // HTML outputs (explorers, widgets): their box must fit the column
  for (const box of main.querySelectorAll('.cell-output-display > :not(div.quarto-float, p, pre, table, span.math, mjx-container, script, style)')) {
    if (box.closest('.cell-output-markdown') || box.querySelector(':scope > img, :scope > figure')) continue;
    const w = widths(box);
    if (w.pastColumn > TOL || (w.inBox > TOL && getComputedStyle(box).overflowX === 'visible'))
      report('html', box, {width: w.needed, available: w.available,
                           excerpt: box.textContent.replace(/\s+/g, ' ').trim().slice(0, 80)});
  }
  // images
  for (const img of main.querySelectorAll('img')) {
    const r = img.getBoundingClientRect();
    if (!img.complete || img.naturalWidth === 0) {
      report('broken-image', img, {excerpt: (img.getAttribute('alt') || img.getAttribute('src') || '').slice(0, 80)});
    } else if (r.right - colRight > TOL) {
      report('image', img, {width: Math.round(r.width), available: Math.round(colRight - r.left),
                            excerpt: (img.getAttribute('alt') || '').slice(0, 80)});
    }
  }
  // anything else that runs past the column
  const blocks = main.querySelectorAll(':scope > *, section > *, .md > *, .cell > *, .cell-output-display > *, .callout-body > *');
  for (const b of blocks) {
    if (b.matches('script, style')) continue;
    if ([...flagged].some(f => b.contains(f) || f.contains(b))) continue;
    const r = b.getBoundingClientRect();
    if (r.width > 0 && r.right - colRight > TOL)
      report('other', b, {width: Math.round(r.width), available: Math.round(colRight - r.left),
                          excerpt: b.textContent.replace(/\s+/g, ' ').trim().slice(0, 80)});
  }
  result.info.pageScrollsSideways = document.documentElement.scrollWidth > window.innerWidth + TOL;
  result.info.codeFonts = [...fonts];
  return result;

  function phoneReport(main, result, TOL) {
    // On a phone the page itself must not scroll sideways: every wide thing scrolls in its own box.
    const vw = document.documentElement.clientWidth;
    result.info.viewport = vw;
    result.info.documentWidth = document.documentElement.scrollWidth;
    const clipped = el => {   // inside a box that scrolls (the box itself is measured on its own)
      for (let a = el.parentElement; a && a !== document.body; a = a.parentElement) {
        const ox = getComputedStyle(a).overflowX;
        if (ox === 'auto' || ox === 'scroll') return true;     // (a box that only hides it does not count)
      }
      return false;
    };
    const out = [];
    for (const el of document.body.querySelectorAll('*')) {
      if (el.matches('script, style, head *')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0) continue;
      const cs = getComputedStyle(el);
      // its box, or for a box that lets its content spill (a word that cannot break), that content
      const right = cs.overflowX === 'visible' && cs.display !== 'inline' ? Math.max(r.right, r.left + el.scrollWidth) : r.right;
      if (right <= vw + TOL) continue;
      if (cs.position === 'fixed' || clipped(el)) continue;
      out.push(el);
    }
    const sticking = new Set(out);
    const things = new Map();
    const kinds = ['table', 'mjx-container', 'div.sourceCode, pre', 'figure, img, svg', 'a',
                   '.cell-output-display > *', 'p, li, dd, h1, h2, h3, h4, code'];
    for (const el of out) {
      if ([...el.children].some(c => sticking.has(c))) continue;     // the innermost ones ...
      let thing = null;                                              // ... told as the thing they belong to
      for (const k of kinds) { thing = el.closest(k); if (thing) break; }
      thing = thing || el;
      const r = el.getBoundingClientRect();
      const right = Math.max(r.right, getComputedStyle(el).overflowX === 'visible' ? r.left + el.scrollWidth : 0);
      things.set(thing, Math.max(things.get(thing) || 0, right, thing.getBoundingClientRect().right));
    }
    for (const [thing, right] of things) {
      const r = {right};
      const what = thing.tagName.toLowerCase() + (thing.getAttribute('display') === 'true' ? ' (display)' : '');
      const c = thing.closest('[data-cell]');
      let h = null;
      for (const x of main.querySelectorAll('h1, h2, h3, h4'))
        if (x.compareDocumentPosition(thing) & Node.DOCUMENT_POSITION_FOLLOWING) h = x;
      result.problems.push({kind: 'phone', what, width: Math.round(r.right), available: vw,
                            cell: c ? Number(c.dataset.cell) : null, section: h ? h.textContent.replace(/\s+/g, ' ').trim().slice(0, 60) : null,
                            excerpt: thing.textContent.replace(/\s+/g, ' ').trim().slice(0, 80)});
    }
    if (!result.problems.length && result.info.documentWidth > vw + TOL)
      result.problems.push({kind: 'phone', what: 'page', width: result.info.documentWidth, available: vw,
                            excerpt: 'the page scrolls sideways'});
    return result;
  }
}
