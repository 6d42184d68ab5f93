using System.Net;

namespace PaymentHub.Infrastructure.OpenApi;

/// <summary>
/// GET /docs: the API reference rendered by Scalar from <see cref="ApiDocs.DocumentPath"/>. The
/// bundle is served from wwwroot/scalar when the build could fetch it with npm, else from the CDN
/// at the same pinned version.
/// </summary>
internal static class ScalarPage
{
    public const string Version = "1.72.1";
    public const string LocalBundle = "/scalar/standalone.js";
    public const string CdnBundle = "https://cdn.jsdelivr.net/npm/@scalar/api-reference@" + Version;

    /// <summary>
    /// Self-contained: system fonts instead of Scalar's font CDN, no telemetry, none of Scalar's hosted
    /// AI and MCP features; both API-key headers preselected for "Try it".
    /// </summary>
    private const string Configuration = """
        {"withDefaultFonts":false,"telemetry":false,"agent":{"disabled":true},"mcp":{"disabled":true},"authentication":{"preferredSecurityScheme":[["ClientId","ClientSecret"]]}}
        """;

    public static IResult Render(IWebHostEnvironment environment)
    {
        var local = environment.WebRootFileProvider.GetFileInfo(LocalBundle.TrimStart('/')).Exists;
        var bundle = local ? LocalBundle : CdnBundle;
        var html = $"""
            <!doctype html>
            <html lang="en">
            <head>
              <meta charset="utf-8">
              <meta name="viewport" content="width=device-width, initial-scale=1">
              <title>PaymentHub API reference</title>
            </head>
            <body>
              <script id="api-reference" data-url="{ApiDocs.DocumentPath}" data-configuration="{WebUtility.HtmlEncode(Configuration)}"></script>
              <script src="{bundle}"></script>
            </body>
            </html>
            """;
        return Results.Content(html, "text/html; charset=utf-8");
    }
}
