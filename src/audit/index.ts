// The auditor's reading of journeys, for the CLI's `audit` command and the auditor's HTTP routes: a number's
// timeline across its runs, rendered for people or machines, and a portfolio's export, streamed.
export { exportLines, csvColumns, withByteOrderMark } from './export-writers.js';
export { exportPortfolio, type PortfolioExport } from './export.js';
export { journeyTimeline, type AuditOptions, type TimelineOptions } from './journey-timeline.js';
export { renderTimeline } from './render.js';
export { renderHtml } from './render-html.js';
export { cellHeadings, layoutOf, type Layout } from './render-cells.js';
export { renderMarkdown } from './render-markdown.js';
export { countPortfolioRuns, portfolioRunsQuery, type PortfolioWindow } from './runs.js';
export * from './types.js';
