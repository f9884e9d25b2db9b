// Appended to a copy of report.html by tests/test_report_html.py: what the browser shows, measured, then
// one matrix cell's link followed; the findings go into a pre element, id selftest, for --dump-dom to print.
addEventListener("load", () => {
  const root = document.documentElement, out = {scrollWidth: root.scrollWidth, clientWidth: root.clientWidth};
  const legend = [...document.querySelectorAll("#legend [data-outcome]")];
  out.legend = Object.fromEntries(legend.map(li => [li.dataset.outcome, +li.dataset.count]));
  out.grid = {};
  for (const td of document.querySelectorAll(".grid tbody tr:not(.cap) td")) {
    const o = td.className || "p";
    out.grid[o] = (out.grid[o] || 0) + 1;
  }
  out.rows = [...document.querySelectorAll(".matrix tr[data-stack]")].map(tr => tr.dataset.stack);
  out.columns = [...document.querySelectorAll(".matrix [data-capability]")].map(th => th.dataset.capability);
  out.total = +document.getElementById("grand-total").dataset.count;
  const form = document.getElementById("filter");
  form.o.value = "failed"; form.dispatchEvent(new Event("change"));
  out.shownFailed = [...document.querySelectorAll(".group")].filter(g => !g.hidden).map(g => g.id);
  form.o.value = ""; form.dispatchEvent(new Event("change"));
  out.href = document.querySelector(".matrix td.f a").getAttribute("href");
  location.hash = out.href;
  setTimeout(() => {
    const target = document.querySelector(":target"), body = target.closest("tbody");
    const top = target.getBoundingClientRect().top;
    out.target = {id: target.id, top, height: innerHeight, capability: body.dataset.c};
    out.column = [...body.rows].slice(1).map(row => row.cells[target.cellIndex].className || "p").filter(c => c !== "n");
    const pre = document.createElement("pre");
    pre.id = "selftest";
    pre.textContent = JSON.stringify(out);
    document.body.append(pre);
  }, 100);
});
