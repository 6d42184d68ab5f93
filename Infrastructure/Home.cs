using Carter;

namespace PaymentHub.Infrastructure;

/// <summary>GET /: a page for whoever opens the server's address in a browser, pointing at what there is.</summary>
public sealed class Home : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapGet("/", () => Results.Content("""
            <!doctype html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <title>PaymentHub</title>
            <style>
            body { font-family: system-ui, sans-serif; max-width: 36rem; margin: 3rem auto; padding: 0 1rem; color: #1d2330; line-height: 1.5; }
            code { background: #f1f2f4; padding: 0 .2rem; border-radius: 3px; }
            </style>
            </head>
            <body>
            <main>
            <h1>PaymentHub is running</h1>
            <p>Your site calls the REST API under <code>/api/platform</code> with the <code>X-Client-ID</code> and
            <code>X-Client-Secret</code> headers printed when this server first started.</p>
            <ul>
            <li><a href="/docs">API reference</a>: every endpoint, with examples you can try</li>
            <li><a href="/health">Health</a>: whether the service and its database answer</li>
            <li><a href="/admin">Admin panel</a>: payments, API keys, gateway and shop settings; sign in as <code>admin</code>
            with the password printed at the first start</li>
            <li><a href="/admin/jobs">Background jobs</a>: in the admin panel</li>
            </ul>
            </main>
            </body>
            </html>
            """, "text/html; charset=utf-8")).ExcludeFromDescription();
}
