// The UI's drawings, each an SVG with a text alternative beside it: the rating as bars, the lineage graph, the
// dashboard's requests and errors per minute, and the performance workload's download latencies. Colours keep 3:1 against white (WCAG 1.4.11) and every value
// is also written out, so nothing depends on colour alone.

import { formatDate, h, svg } from "./dom.js";

export const METRICS = [
  ["rampUpTime", "Ramp-up time"], ["busFactor", "Bus factor"], ["performanceClaims", "Performance claims"],
  ["license", "License"], ["datasetAndCodeScore", "Dataset and code"], ["datasetQuality", "Dataset quality"],
  ["codeQuality", "Code quality"], ["reproducibility", "Reproducibility"], ["reviewedness", "Reviewedness"],
  ["treeScore", "Tree score"],
];

const DEVICES = [["raspberryPi", "Raspberry Pi"], ["jetsonNano", "Jetson Nano"], ["desktopPc", "Desktop PC"],
  ["awsServer", "AWS server"]];

const GATE = 0.5;

/** Rows of the rating chart: net score, each metric, each device's size score. */
function ratingRows(rating) {
  return [
    { label: "Net score", score: rating.netScore, latency: rating.netScoreLatency,
      explanation: rating.netScoreExplanation, applicable: true },
    ...METRICS.map(([key, label]) => ({ label, ...rating[key], latency: rating[key].latencySeconds })),
    ...DEVICES.map(([key, label]) => ({ label: `Size on ${label}`, score: rating.sizeScore[key],
      latency: rating.sizeScore.latencySeconds, explanation: rating.sizeScore.explanation, applicable: true })),
  ];
}

function scoreText(row) {
  if (row.score < 0) return "not applicable";
  return row.score.toFixed(2) + (row.applicable ? "" : " (not gated)");
}

/**
 * The rating: a bar per score (0 to 1, the gate's 0.5 marked) and a table with every score, its latency and its
 * explanation (the chart's text alternative).
 * @param {import("./api/client.js").Rating} rating
 * @param {string} idPrefix unique per page, for the chart's accessible name
 */
export function ratingView(rating, idPrefix) {
  const rows = ratingRows(rating);
  const labelWidth = 190;
  const barWidth = 340;
  const rowHeight = 26;
  const height = rows.length * rowHeight + 30;
  const x = (score) => labelWidth + Math.max(0, Math.min(1, score)) * barWidth;
  const chart = svg("svg", { viewBox: `0 0 ${labelWidth + barWidth + 160} ${height}`, role: "img",
    "aria-labelledby": `${idPrefix}-chart-title`, class: "chart rating-chart" },
  svg("title", { id: `${idPrefix}-chart-title` },
    `Rating bars: net score ${rating.netScore.toFixed(2)}; the table below lists every score.`),
  rows.map((row, i) => {
    const y = i * rowHeight + 4;
    const passing = row.score >= GATE || row.score < 0 || !row.applicable;
    return svg("g", {},
      svg("text", { x: labelWidth - 8, y: y + 15, "text-anchor": "end", class: i === 0 ? "strong" : null },
        row.label),
      svg("rect", { x: labelWidth, y, width: barWidth, height: rowHeight - 8, class: "track" }),
      row.score >= 0 ? svg("rect", { x: labelWidth, y, width: x(row.score) - labelWidth, height: rowHeight - 8,
        class: passing ? "bar" : "bar failing" }) : null,
      svg("text", { x: labelWidth + barWidth + 8, y: y + 15 }, scoreText(row)));
  }),
  svg("line", { x1: x(GATE), x2: x(GATE), y1: 0, y2: rows.length * rowHeight, class: "gate-line" }),
  svg("text", { x: x(GATE), y: height - 6, "text-anchor": "middle", class: "axis" }, "gate 0.5"));
  const table = h("table", { class: "data" },
    h("caption", {}, "Every score, with the time it took and what it is based on"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Metric"), h("th", { scope: "col" }, "Score"),
      h("th", { scope: "col" }, "Latency"), h("th", { scope: "col" }, "Explanation"))),
    h("tbody", {}, rows.map((row) => h("tr", {}, h("th", { scope: "row" }, row.label),
      h("td", {}, scoreText(row)), h("td", {}, `${row.latency.toFixed(2)} s`),
      h("td", { class: "explanation" }, row.explanation)))));
  return h("div", { class: "rating" },
    h("p", { class: "net-score" }, "Net score ", h("strong", {}, rating.netScore.toFixed(2)),
      ` · category ${rating.category} · evidence gathered ${formatDate(rating.evidenceTime)}`),
    chart, table);
}

/** Levels of the lineage graph: the root at 0, parents at -1, -2 ..., children at 1, 2 ... */
export function lineageLevels(graph) {
  const levels = new Map([[graph.rootId, 0]]);
  const queue = [graph.rootId];
  while (queue.length) {
    const id = queue.shift();
    for (const edge of graph.edges) {
      const [next, level] = edge.to === id ? [edge.from, levels.get(id) - 1]
        : edge.from === id ? [edge.to, levels.get(id) + 1] : [null, 0];
      if (next !== null && !levels.has(next)) {
        levels.set(next, level);
        queue.push(next);
      }
    }
  }
  return levels;
}

/**
 * The lineage graph: parents left of the model, children right; registered nodes link to their page, external
 * ones (declared but not registered) are dashed. A list of the edges follows as the text alternative.
 * @param {import("./api/client.js").LineageGraph} graph
 */
export function lineageView(graph) {
  if (graph.edges.length === 0) return h("p", {}, "No parents or children are recorded for this artifact.");
  const levels = lineageLevels(graph);
  const columns = new Map();
  for (const node of graph.nodes) {
    const level = levels.get(node.artifactId) ?? 0;
    columns.set(level, [...(columns.get(level) ?? []), node]);
  }
  const minLevel = Math.min(...columns.keys());
  const [boxWidth, boxHeight, columnGap, rowGap] = [190, 44, 70, 16];
  const tallest = Math.max(...[...columns.values()].map((c) => c.length));
  const width = (Math.max(...columns.keys()) - minLevel + 1) * (boxWidth + columnGap) - columnGap + 8;
  const height = tallest * (boxHeight + rowGap) + 8;
  const position = new Map();
  for (const [level, nodes] of columns) {
    const offset = (height - nodes.length * (boxHeight + rowGap)) / 2;
    nodes.forEach((node, i) => position.set(node.artifactId,
      { x: 4 + (level - minLevel) * (boxWidth + columnGap), y: offset + i * (boxHeight + rowGap) + rowGap / 2 }));
  }
  const names = new Map(graph.nodes.map((n) => [n.artifactId, n.name]));
  const edges = graph.edges.filter((e) => position.has(e.from) && position.has(e.to)).map((edge) => {
    const from = position.get(edge.from);
    const to = position.get(edge.to);
    return svg("line", { x1: from.x + boxWidth, y1: from.y + boxHeight / 2, x2: to.x - 4, y2: to.y + boxHeight / 2,
      class: "edge", "marker-end": "url(#arrow)" }, svg("title", {}, edge.relation));
  });
  const boxes = graph.nodes.filter((n) => position.has(n.artifactId)).map((node) => {
    const { x, y } = position.get(node.artifactId);
    const isRoot = node.artifactId === graph.rootId;
    const label = node.name.length > 26 ? `${node.name.slice(0, 25)}…` : node.name;
    const box = svg("g", { class: `node${node.external ? " external" : ""}${isRoot ? " root" : ""}` },
      svg("rect", { x, y, width: boxWidth, height: boxHeight, rx: 6 }),
      svg("text", { x: x + 10, y: y + 18 }, label),
      svg("text", { x: x + 10, y: y + 35, class: "small" },
        `${node.type.toLowerCase()}${node.external ? " · external" : ""}${isRoot ? " · this one" : ""}`));
    if (node.external || isRoot) return box;
    return svg("a", { href: `#/artifact/${encodeURIComponent(node.artifactId)}`,
      "aria-label": `${node.name} (${node.type.toLowerCase()})` }, box);
  });
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, width, height, class: "chart lineage-chart",
    role: "group", "aria-label": "Lineage graph (the list below describes the same graph)" },
  svg("defs", {}, svg("marker", { id: "arrow", viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 8,
    markerHeight: 8, orient: "auto-start-reverse" }, svg("path", { d: "M 0 0 L 10 5 L 0 10 z" }))),
  edges, boxes);
  const link = (id) => {
    const node = graph.nodes.find((n) => n.artifactId === id);
    if (!node || node.external || id === graph.rootId) {
      return h("span", {}, names.get(id) ?? id, node?.external ? " (external)" : "");
    }
    return h("a", { href: `#/artifact/${encodeURIComponent(id)}` }, names.get(id) ?? id);
  };
  const list = h("ul", { class: "edge-list" }, graph.edges.map((edge) => h("li", {},
    link(edge.from), " → ", link(edge.to), ` (${edge.relation}, from ${edge.source})`)));
  return h("div", { class: "lineage" }, h("div", { class: "scroll" }, chart),
    h("h3", {}, "Relations"), list);
}

/**
 * Requests per minute, with client and server errors, over the dashboard's window; a table of the same numbers
 * follows (the chart's text alternative).
 * @param {import("./api/client.js").HealthBucket[]} buckets
 */
export function timelineView(buckets) {
  const [width, height, left, bottom] = [720, 220, 44, 28];
  const peak = Math.max(1, ...buckets.map((b) => b.requests));
  const step = (width - left) / Math.max(1, buckets.length);
  const y = (value) => (height - bottom) * (1 - value / peak);
  const bars = buckets.map((bucket, i) => {
    const x = left + i * step;
    const barWidth = Math.max(1, step - 2);
    const errors = bucket.clientErrors + bucket.serverErrors;
    return svg("g", {},
      svg("rect", { x, y: y(bucket.requests), width: barWidth, height: height - bottom - y(bucket.requests),
        class: "bar" }),
      svg("rect", { x, y: y(errors), width: barWidth, height: y(bucket.serverErrors) - y(errors),
        class: "client-errors" }),
      svg("rect", { x, y: y(bucket.serverErrors), width: barWidth, height: height - bottom - y(bucket.serverErrors),
        class: "server-errors" }));
  });
  const ticks = buckets.filter((_, i) => i % 15 === 0).map((bucket) => {
    const i = buckets.indexOf(bucket);
    return svg("text", { x: left + i * step, y: height - 8, class: "axis" },
      new Date(bucket.start).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }));
  });
  const total = (key) => buckets.reduce((sum, b) => sum + b[key], 0);
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart timeline-chart",
    "aria-labelledby": "timeline-title" },
  svg("title", { id: "timeline-title" }, `Requests per minute: ${total("requests")} requests, `
    + `${total("clientErrors")} client errors and ${total("serverErrors")} server errors in the window. `
    + "The table below lists every minute."),
  svg("line", { x1: left, x2: width, y1: height - bottom, y2: height - bottom, class: "axis-line" }),
  svg("text", { x: left - 6, y: 12, "text-anchor": "end", class: "axis" }, String(peak)),
  svg("text", { x: left - 6, y: height - bottom, "text-anchor": "end", class: "axis" }, "0"),
  bars, ticks);
  const legend = h("ul", { class: "legend" },
    h("li", {}, h("span", { class: "swatch bar" }), "Requests"),
    h("li", {}, h("span", { class: "swatch client-errors" }), "Client errors (4xx)"),
    h("li", {}, h("span", { class: "swatch server-errors" }), "Server errors (5xx)"));
  const table = h("details", {}, h("summary", {}, "Show the numbers per minute"),
    h("table", { class: "data" }, h("caption", {}, "Requests and errors per minute"),
      h("thead", {}, h("tr", {}, ["Minute starting", "Requests", "Client errors", "Server errors"].map(
        (label) => h("th", { scope: "col" }, label)))),
      h("tbody", {}, buckets.map((b) => h("tr", {}, h("th", { scope: "row" }, formatDate(b.start)),
        h("td", {}, b.requests), h("td", {}, b.clientErrors), h("td", {}, b.serverErrors))))));
  return h("div", { class: "timeline" }, chart, legend, table);
}

/**
 * The performance workload's results: one bar per download, its latency, sorted (so the curve shows the spread
 * and the tail), with the mean, median and p99 marked; the figures follow in a table (the text alternative).
 * @param {import("./api/client.js").WorkloadResults} results
 */
export function workloadView(results) {
  const [width, height, left, bottom] = [720, 220, 56, 28];
  const latencies = results.latenciesSeconds;
  const peak = Math.max(1e-9, ...latencies);
  const step = (width - left) / Math.max(1, latencies.length);
  const y = (value) => (height - bottom) * (1 - value / peak);
  const marks = [["mean", results.meanSeconds], ["median", results.medianSeconds], ["p99", results.p99Seconds]];
  const seconds = (value) => `${value.toFixed(2)} s`;
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart workload-chart",
    "aria-labelledby": "workload-title" },
  svg("title", { id: "workload-title" }, `Download latencies of ${results.succeeded} clients, sorted: mean `
    + `${seconds(results.meanSeconds)}, median ${seconds(results.medianSeconds)}, p99 ${seconds(results.p99Seconds)}.`
    + " The table below lists the figures."),
  svg("line", { x1: left, x2: width, y1: height - bottom, y2: height - bottom, class: "axis-line" }),
  svg("text", { x: left - 6, y: 12, "text-anchor": "end", class: "axis" }, seconds(peak)),
  svg("text", { x: left - 6, y: height - bottom, "text-anchor": "end", class: "axis" }, "0 s"),
  svg("text", { x: width, y: height - 8, "text-anchor": "end", class: "axis" }, "downloads, fastest to slowest"),
  latencies.map((latency, i) => svg("rect", { x: left + i * step, y: y(latency), width: Math.max(1, step - 1),
    height: height - bottom - y(latency), class: "bar" })),
  marks.map(([label, value]) => svg("g", {},
    svg("line", { x1: left, x2: width, y1: y(value), y2: y(value), class: "gate-line" }),
    svg("text", { x: left + 4, y: y(value) - 4, class: "axis" }, `${label} ${seconds(value)}`))));
  const rows = [["Clients", `${results.clients} (${results.succeeded} succeeded, ${results.failed} failed)`],
    ["Throughput", `${(results.throughputBytesPerSecond / 1e6).toFixed(1)} MB/s`],
    ["Delivered", `${(results.bytes / 1e6).toFixed(1)} MB in ${seconds(results.seconds)}`],
    ["Mean latency", seconds(results.meanSeconds)], ["Median latency", seconds(results.medianSeconds)],
    ["p99 latency", seconds(results.p99Seconds)]];
  const table = h("table", { class: "data" }, h("caption", {}, "Performance workload results"),
    h("tbody", {}, rows.map(([label, value]) => h("tr", {}, h("th", { scope: "row" }, label), h("td", {}, value)))));
  return h("div", { class: "workload" }, chart, table);
}
