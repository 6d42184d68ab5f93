namespace PaymentHub.Features.Admin;

/// <summary>
/// The panel's one stylesheet, served from /admin/admin.css so pages need no inline style (their
/// policy allows styles from this server only). Small screens first: the navigation wraps, forms
/// stack, wide tables scroll inside their own box instead of the page.
/// </summary>
internal static class AdminStyles
{
    public const string Css = """
        :root { color-scheme: light; font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; line-height: 1.45;
                --ink: #1d2330; --muted: #5b6475; --line: #d9dce1; --bg: #f4f5f7; --accent: #1f5eff; --danger: #b42318; }
        * { box-sizing: border-box; }
        body { margin: 0; background: var(--bg); color: var(--ink); overflow-wrap: anywhere; }
        a { color: var(--accent); }
        a:focus, button:focus, input:focus, select:focus, textarea:focus, summary:focus { outline: 3px solid #4c7dff; outline-offset: 1px; }
        h1 { font-size: 1.4rem; margin: .2rem 0 1rem; }
        h2 { font-size: 1.1rem; margin: 1.6rem 0 .6rem; }
        h3 { font-size: 1rem; margin: 0 0 .6rem; }
        details { margin-top: .6rem; }
        .card .table-wrap { margin-top: .6rem; }
        code { background: #eceef2; padding: 0 .25rem; border-radius: 3px; font-size: .9em; }
        .muted { color: var(--muted); font-size: .9rem; }

        header.top { display: flex; flex-wrap: wrap; align-items: center; gap: .4rem 1rem; padding: .6rem 1rem; background: #10172a; color: #fff; }
        header.top .brand { color: #fff; font-weight: 700; text-decoration: none; }
        header.top .merchant { font-weight: 600; }
        header.top .muted { color: #c6cbd6; }
        header.top button.link { color: #b8c8ff; }
        form.inline { display: inline-flex; flex-wrap: wrap; align-items: center; gap: .4rem; margin: 0; }
        .badge { display: inline-block; border-radius: 999px; padding: .05rem .55rem; font-size: .8rem; font-weight: 700; }
        .badge.test { background: #ffd666; color: #3d2e00; }
        .badge.live { background: #16a34a; color: #fff; }
        nav[aria-label="Admin"] { background: #fff; border-bottom: 1px solid var(--line); }
        nav[aria-label="Admin"] ul { list-style: none; margin: 0; padding: .3rem .6rem; display: flex; flex-wrap: wrap; gap: .15rem .2rem; }
        nav[aria-label="Admin"] a { display: block; padding: .45rem .6rem; border-radius: 6px; text-decoration: none; color: var(--ink); }
        nav[aria-label="Admin"] a[aria-current="page"] { background: #e6edff; color: #0f3bb8; font-weight: 600; }
        .test-banner { margin: 0; padding: .4rem 1rem; background: #fff4d6; border-bottom: 1px solid #f0c451; font-size: .85rem; }

        main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
        main.narrow { max-width: 26rem; margin: 3rem auto; background: #fff; border-radius: 12px; padding: 1.5rem; box-shadow: 0 1px 3px rgba(0,0,0,.12); }
        section.card, .card { background: #fff; border: 1px solid var(--line); border-radius: 10px; padding: 1rem; margin: 0 0 1rem; }
        .card > h2:first-child { margin-top: 0; }
        .grid { display: grid; gap: 1rem; grid-template-columns: repeat(auto-fit, minmax(14rem, 1fr)); }
        .stat { font-size: 1.5rem; font-weight: 700; }
        .flash { border-radius: 8px; padding: .6rem .8rem; margin: 0 0 1rem; }
        .flash.ok { background: #e7f6ec; border: 1px solid #8fd1a5; }
        .flash.error, .error { background: #fde8e8; border: 1px solid #f5a3a3; border-radius: 8px; padding: .6rem .8rem; }
        .warning { background: #fff4d6; border: 1px solid #f0c451; border-radius: 8px; padding: .6rem .8rem; margin: 0 0 1rem; }
        .secret { background: #10172a; color: #fff; padding: .8rem; margin-top: .6rem; border-radius: 8px; word-break: break-all; }
        .secret dt { color: #c6cbd6; }
        .secret code { background: transparent; color: #fff; font-size: .95rem; }

        label { display: block; font-weight: 600; font-size: .9rem; margin: .8rem 0 .3rem; }
        input, select, textarea { width: 100%; max-width: 32rem; font: inherit; padding: .5rem .6rem; border: 1px solid #b8bfcc; border-radius: 6px; background: #fff; }
        input[type="checkbox"], input[type="radio"] { width: auto; margin-right: .4rem; }
        label.check { display: flex; align-items: center; font-weight: 400; }
        fieldset { border: 1px solid var(--line); border-radius: 8px; margin: .8rem 0 0; padding: .3rem .8rem .6rem; max-width: 32rem; }
        legend { font-weight: 600; font-size: .9rem; padding: 0 .3rem; }
        fieldset label.check { margin: .35rem 0; }
        input[aria-invalid="true"], textarea[aria-invalid="true"] { border-color: var(--danger); }
        .field-error { color: var(--danger); font-size: .85rem; margin: .25rem 0 0; }
        .hint { color: var(--muted); font-size: .85rem; margin: .25rem 0 0; }
        button { font: inherit; padding: .55rem 1rem; border-radius: 6px; border: 0; cursor: pointer; background: var(--accent); color: #fff; font-weight: 600; }
        button.secondary { background: #e6e9ef; color: var(--ink); }
        button.danger { background: var(--danger); }
        button.link { background: none; color: var(--accent); padding: 0; font-weight: 400; text-decoration: underline; }
        form.stack button[type="submit"] { margin-top: 1rem; }
        .filters { display: grid; gap: 0 1rem; grid-template-columns: repeat(auto-fit, minmax(11rem, 1fr)); align-items: end; }
        .filters label { margin-top: .5rem; }
        .actions { display: flex; flex-wrap: wrap; gap: .5rem; align-items: center; }
        form .actions { margin-top: 1rem; }
        .card > form + form:not([hidden]) { margin-top: 1.4rem; }
        td .actions, form.inline .actions { margin-top: 0; }

        .table-wrap { overflow-x: auto; background: #fff; border: 1px solid var(--line); border-radius: 10px; }
        table { width: 100%; border-collapse: collapse; font-size: .92rem; }
        /* On a phone a table keeps a readable width and scrolls inside its box; the page itself never scrolls sideways. */
        .table-wrap table { min-width: 36rem; }
        th, td { text-align: left; padding: .5rem .7rem; border-bottom: 1px solid #eceef2; vertical-align: top; overflow-wrap: normal; }
        th { font-size: .8rem; text-transform: uppercase; letter-spacing: .03em; color: var(--muted); }
        td.num, th.num { text-align: right; white-space: nowrap; }
        dl.facts { display: grid; grid-template-columns: minmax(7rem, max-content) 1fr; gap: .3rem 1rem; margin: 0; }
        dl.facts dt { color: var(--muted); }
        dl.facts dd { margin: 0; }
        ol.timeline { list-style: none; margin: 0; padding: 0; border-left: 2px solid var(--line); }
        ol.timeline li { margin: 0 0 .8rem; padding-left: .9rem; }
        .status { display: inline-block; border-radius: 999px; padding: 0 .5rem; font-size: .8rem; background: #eceef2; }
        .status.succeeded, .status.success, .status.active { background: #e7f6ec; }
        .status.failed, .status.cancelled, .status.expired, .status.past_due { background: #fde8e8; }
        .status.requires_capture, .status.processing, .status.authorized { background: #fff4d6; }
        svg.chart { width: 100%; height: auto; max-height: 14rem; }
        figure { margin: 0 0 1rem; }
        ul.volumes { list-style: none; margin: 0; padding: 0; }
        .pager { display: flex; gap: 1rem; margin: .8rem 0; }
        pre { white-space: pre-wrap; word-break: break-all; background: #f1f2f4; padding: .6rem; border-radius: 6px; font-size: .85rem; }

        @media (max-width: 28rem) { main.narrow { margin: 1rem; } }
        @media (min-width: 48rem) {
          main { padding: 1.5rem 2rem; }
          .two { display: grid; grid-template-columns: 1fr 1fr; gap: 1rem; }
        }
        """;
}
