using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Merchants;
using PaymentHub.Tests.Features.Checkout;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Admin;

/// <summary>
/// The admin panel over HTTP as a browser without script uses it: cookies kept, pages asked for as
/// HTML, forms sent with the hidden fields the page gave them (the anti-forgery token, Blazor's
/// form name) plus what the test types.
/// </summary>
public sealed partial class AdminClient(HttpClient http)
{
    public const string AdminPassword = "admin-password-for-tests";

    public HttpClient Http { get; } = http;

    /// <summary>A client with its own cookies: over real HTTP for a live server, in memory otherwise; never following redirects.</summary>
    public static HttpClient NewHttp(PaymentHubFactory app)
    {
        if (app is LiveServerFixture live)
            return new HttpClient(new HttpClientHandler { CookieContainer = new CookieContainer(), AllowAutoRedirect = false })
                { BaseAddress = new Uri(live.BaseUrl) };
        return app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });
    }

    /// <summary>
    /// Signs in through the sign-in page and puts the fixture's merchant (the bootstrap one, whose test
    /// key <see cref="PaymentHubFactory.Api"/> uses) on screen; fails the test when that does not work.
    /// </summary>
    public static async Task<AdminClient> SignInAsync(PaymentHubFactory app, string username = "admin", string password = AdminPassword)
    {
        var client = new AdminClient(NewHttp(app));
        var response = await client.SignInAttemptAsync(username, password);
        Assert.True(response.StatusCode == HttpStatusCode.Found && response.Headers.Location!.ToString().EndsWith("/admin", StringComparison.Ordinal),
            $"sign-in as {username} answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync()}");
        // The panel opens on the oldest merchant; tests that add merchants would otherwise change which one that is.
        Assert.Equal(HttpStatusCode.Found, (await client.SwitchMerchantAsync(app.FixtureMerchantId())).StatusCode);
        return client;
    }

    /// <summary>Puts another merchant on screen, as its Switch button on the Merchants page does.</summary>
    public async Task<HttpResponseMessage> SwitchMerchantAsync(string merchantId) =>
        await PostAsync("/admin/session/merchant", [("__af", await TokenAsync()), ("merchant_id", merchantId)]);

    /// <summary>A user of the given role with a new name; returns their name (the password is <see cref="AdminPassword"/>).</summary>
    public static async Task<string> NewUserAsync(PaymentHubFactory app, string role)
    {
        app.CreateClient();
        var name = $"{role}-{Guid.NewGuid().ToString("N")[..8]}";
        Assert.True(await app.Services.GetRequiredService<AdminUsers>().CreateAsync(name, AdminPassword, role, default));
        return name;
    }

    /// <summary>The anti-forgery token the pages give this client's forms.</summary>
    public async Task<string> TokenAsync() => FindForm(await PageAsync("/admin"), "/admin/logout")!.Value.Hidden.Single(h => h.Name == "__af").Value;

    public Task<HttpResponseMessage> SignInAttemptAsync(string username, string password) =>
        SubmitAsync("/admin/login", "sign-in", ("Form.Username", username), ("Form.Password", password));

    public Task<HttpResponseMessage> GetAsync(string path)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/html");
        return Http.SendAsync(request);
    }

    /// <summary>The page's HTML; fails the test unless it answered 200.</summary>
    public async Task<string> PageAsync(string path)
    {
        var response = await GetAsync(path);
        var html = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path} answered {(int)response.StatusCode}: {html}");
        return html;
    }

    /// <summary>
    /// Loads <paramref name="path"/>, finds the form named <paramref name="form"/> (its Blazor form
    /// name, or its action for plain forms) and sends it with <paramref name="fields"/> filled in.
    /// </summary>
    public async Task<HttpResponseMessage> SubmitAsync(string path, string form, params (string Name, string Value)[] fields)
    {
        var html = await PageAsync(path);
        var (action, hidden) = FindForm(html, form) ?? throw new InvalidOperationException($"No form '{form}' on {path}:\n{html}");
        return await PostAsync(WebUtility.HtmlDecode(action ?? path), [.. hidden.Where(h => fields.All(f => f.Name != h.Name)), .. fields]);
    }

    /// <summary>Posts form fields as they are, without loading a page first (anti-forgery tests leave the token out).</summary>
    public Task<HttpResponseMessage> PostAsync(string path, IEnumerable<(string Name, string Value)> fields)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new FormUrlEncodedContent(fields.Select(f => new KeyValuePair<string, string>(f.Name, f.Value))),
        };
        request.Headers.Accept.ParseAdd("text/html");
        return Http.SendAsync(request);
    }

    /// <summary>Follows a redirect after a form, as a browser does; returns the page it leads to.</summary>
    public async Task<string> FollowAsync(HttpResponseMessage response)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.Found, $"expected a redirect, got {(int)response.StatusCode}: {body}");
        return await PageAsync(response.Headers.Location!.ToString());
    }

    public static (string? Action, List<(string Name, string Value)> Hidden)? FindForm(string html, string name)
    {
        foreach (Match form in FormTag().Matches(html))
        {
            var action = Attribute(form.Groups["open"].Value, "action");
            var inputs = InputTag().Matches(form.Groups["body"].Value).Select(m => m.Value).ToList();
            var hidden = inputs.Where(i => Attribute(i, "type") == "hidden" && Attribute(i, "name") is not null)
                .Select(i => (Attribute(i, "name")!, WebUtility.HtmlDecode(Attribute(i, "value") ?? ""))).ToList();
            if (hidden.Any(h => h.Item1 == "_handler" && h.Item2 == name) || action == name) return (action, hidden);
        }
        return null;
    }

    private static string? Attribute(string tag, string name) =>
        Regex.Match(tag, $"\\s{name}=\"([^\"]*)\"") is { Success: true } m ? m.Groups[1].Value : null;

    [GeneratedRegex("(?<open><form[^>]*>)(?<body>.*?)</form>", RegexOptions.Singleline)]
    private static partial Regex FormTag();

    [GeneratedRegex("<input[^>]*>")]
    private static partial Regex InputTag();
}
