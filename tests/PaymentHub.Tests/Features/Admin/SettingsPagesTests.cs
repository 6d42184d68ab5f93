using System.Net;
using System.Text.RegularExpressions;
using Dapper;
using PaymentHub.Features.Merchants;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Admin;

/// <summary>API clients, gateway keys, shop settings, merchants and users, as the panel changes them.</summary>
public sealed partial class SettingsPagesTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    /// <summary>A panel on a merchant of its own, so settings changed here touch no other test.</summary>
    private async Task<AdminClient> OwnMerchantAsync(string name = "Shop under test")
    {
        var admin = await AdminClient.SignInAsync(app);
        var created = await admin.SubmitAsync("/admin/merchants", "create-merchant", ("Create.Name", name));
        Assert.EndsWith("/admin/settings", created.Headers.Location?.ToString());
        return admin;
    }

    private static Dictionary<string, string> Revealed(string html) =>
        RevealedValue().Matches(html).ToDictionary(m => m.Groups[1].Value, m => WebUtility.HtmlDecode(m.Groups[2].Value));

    [Fact]
    public async Task ApiClient_CreatedInThePanel_ShowsItsSecretOnce_AndWorksWithTheApi()
    {
        var admin = await OwnMerchantAsync();

        var created = await admin.FollowAsync(await admin.SubmitAsync("/admin/api-clients", "create-client", ("Create.Name", "Web shop")));
        var keys = Revealed(created);
        var again = await admin.PageAsync("/admin/api-clients");

        Assert.StartsWith("pk_test_", keys["X-Client-ID"]);
        Assert.StartsWith("sk_test_", keys["X-Client-Secret"]);
        Assert.Contains(keys["X-Client-ID"], again);
        Assert.DoesNotContain(keys["X-Client-Secret"], again);
        var api = app.Api(keys["X-Client-ID"], keys["X-Client-Secret"]);
        Assert.Equal(HttpStatusCode.OK, (await api.GetAsync(IntentCalls.Intents)).StatusCode);
    }

    [Fact]
    public async Task ApiClient_RevokedOrRotated_StopsWorking_AndTheRotatedOneWorks()
    {
        var admin = await OwnMerchantAsync();
        var first = Revealed(await admin.FollowAsync(await admin.SubmitAsync("/admin/api-clients", "create-client", ("Create.Name", "One"))));
        var second = Revealed(await admin.FollowAsync(await admin.SubmitAsync("/admin/api-clients", "create-client", ("Create.Name", "Two"))));

        var revoked = await admin.FollowAsync(await admin.SubmitAsync("/admin/api-clients", "client-actions", ("Action.Revoke", first["X-Client-ID"])));
        var rotated = Revealed(await admin.FollowAsync(await admin.SubmitAsync("/admin/api-clients", "client-actions", ("Action.Rotate", second["X-Client-ID"]))));

        Assert.Contains("is revoked", revoked);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Api(first["X-Client-ID"], first["X-Client-Secret"]).GetAsync(IntentCalls.Intents)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Api(second["X-Client-ID"], second["X-Client-Secret"]).GetAsync(IntentCalls.Intents)).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await app.Api(rotated["X-Client-ID"], rotated["X-Client-Secret"]).GetAsync(IntentCalls.Intents)).StatusCode);
    }

    [Fact]
    public async Task ApiClients_InLiveMode_AreLiveClients()
    {
        var admin = await OwnMerchantAsync();
        await admin.SubmitAsync("/admin", "/admin/session/mode", ("mode", "live"));

        var keys = Revealed(await admin.FollowAsync(await admin.SubmitAsync("/admin/api-clients", "create-client", ("Create.Name", "Live shop"))));

        Assert.StartsWith("pk_live_", keys["X-Client-ID"]);
        Assert.DoesNotContain(keys["X-Client-ID"], await (await AdminClient.SignInAsync(app)).PageAsync("/admin/api-clients"));
    }

    [Fact]
    public async Task GatewayKey_IsStoredEncrypted_AndNeverShown_OnlyItsLastFour()
    {
        var admin = await OwnMerchantAsync();
        const string key = "6457Thfj624V5r7WUwc5v6a68Zsd6YEm";

        var saved = await admin.FollowAsync(await admin.SubmitAsync("/admin/gateway", "gateway",
            ("Form.SecurityKey", key), ("Form.TokenizationKey", "tok-public-123")));
        var kept = await admin.FollowAsync(await admin.SubmitAsync("/admin/gateway", "gateway", ("Form.TokenizationKey", "tok-public-456")));

        Assert.Contains("The security key ends …6YEm", WebUtility.HtmlDecode(saved));
        Assert.DoesNotContain(key, saved);
        Assert.Contains("set, ending …6YEm", WebUtility.HtmlDecode(kept));
        Assert.Contains("tok-public-456", kept);
        var stored = app.Scalar<string>("SELECT security_key_protected FROM gateway_settings WHERE tokenization_key = 'tok-public-456'");
        Assert.DoesNotContain(key, stored);
    }

    [Fact]
    public async Task GatewayBaseUrl_ThatIsNotAnAddress_IsRefusedNextToTheField()
    {
        var admin = await OwnMerchantAsync();

        var response = await admin.SubmitAsync("/admin/gateway", "gateway", ("Form.SecurityKey", "abc123"), ("Form.BaseUrl", "secure.nmi.com"));

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("id=\"base-url-error\"", html);
        Assert.Contains("aria-describedby=\"base-url-hint base-url-error\"", html);
    }

    [Fact]
    public async Task Settings_AreValidated_FieldByField()
    {
        var admin = await OwnMerchantAsync();

        var response = await admin.SubmitAsync("/admin/settings", "settings", ("Form.Name", " "), ("Form.SupportEmail", "help"),
            ("Form.LogoUrl", "http://shop.example/logo.png"), ("Form.BrandColor", "blue"), ("Form.AllowedOrigins", "https://shop.example/path"),
            ("Form.StatementDescriptor", "A descriptor that is far too long"));

        var html = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        foreach (var field in new[] { "name", "support-email", "logo-url", "brand-color", "allowed-origins", "descriptor" })
            Assert.Matches($"<p class=\"field-error\" id=\"{field}-error\">", html);
        Assert.Contains("The logo must be an https address", html);
        Assert.Contains("&#x27;https://shop.example/path&#x27; is not an exact https origin", html);
    }

    [Fact]
    public async Task Settings_AreSavedNormalised_AndTheOpenFrameWarningGoesOnceOriginsAreSet()
    {
        var admin = await OwnMerchantAsync();
        Assert.Contains("No allowed origins are set.", await admin.PageAsync("/admin/settings"));

        var page = await admin.FollowAsync(await admin.SubmitAsync("/admin/settings", "settings", ("Form.Name", "Acme Coffee"),
            ("Form.SupportEmail", "help@acme.example"), ("Form.LogoUrl", "https://acme.example/logo.png"), ("Form.BrandColor", "#FFD700"),
            ("Form.AllowedOrigins", "HTTPS://Shop.Acme.Example:443/\nhttps://acme.example, https://acme.example"), ("Form.StatementDescriptor", "ACME COFFEE")));

        Assert.Contains("Settings saved.", page);
        Assert.DoesNotContain("No allowed origins are set.", page);
        var row = app.Open().QuerySingle<(string Name, string Email, string Colour, string Origins, string Descriptor)>(
            "SELECT name, support_email, brand_color, allowed_origins, statement_descriptor FROM merchants WHERE name = 'Acme Coffee'");
        Assert.Equal(("Acme Coffee", "help@acme.example", "#ffd700", "https://shop.acme.example https://acme.example", "ACME COFFEE"), row);
        Assert.Contains("fill=\"#000000\">Pay</text>", page); // dark text on gold
    }

    [Fact]
    public async Task Merchants_AddAndSwitch_ChangeWhatThePanelShows()
    {
        var admin = await OwnMerchantAsync("Second shop");
        Assert.Contains("<span class=\"merchant\">Second shop</span>", await admin.PageAsync("/admin"));

        var merchants = await admin.PageAsync("/admin/merchants");
        var back = await admin.SwitchMerchantAsync(app.FixtureMerchantId());

        Assert.Contains("Switch to Default merchant", merchants);
        Assert.Equal(HttpStatusCode.Found, back.StatusCode);
        Assert.Contains("<span class=\"merchant\">Default merchant</span>", await admin.PageAsync("/admin"));
    }

    [Fact]
    public async Task Users_AViewerAddedHere_CanSignIn_ButNotChangeAnything()
    {
        var admin = await AdminClient.SignInAsync(app);
        var name = "viewer-" + Guid.NewGuid().ToString("N")[..6];
        var added = await admin.FollowAsync(await admin.SubmitAsync("/admin/users", "new-user",
            ("NewUser.Username", name), ("NewUser.Password", "viewer-password-1"), ("NewUser.Role", "viewer")));
        Assert.Contains($"{name} may now sign in as viewer.", added);
        var viewer = await AdminClient.SignInAsync(app, name, "viewer-password-1");

        var pages = new[] { "/admin/api-clients", "/admin/gateway", "/admin/settings", "/admin/users", "/admin/merchants" };
        foreach (var path in pages)
        {
            var html = await viewer.PageAsync(path);
            Assert.DoesNotMatch("<input type=\"hidden\" name=\"_handler\"", html);
        }
        var token = await viewer.TokenAsync();
        var attempts = new (string Path, string Form, (string, string)[] Fields)[]
        {
            ("/admin/api-clients", "create-client", [("Create.Name", "sneaky")]),
            ("/admin/settings", "settings", [("Form.Name", "Renamed")]),
            ("/admin/gateway", "gateway", [("Form.SecurityKey", "key123")]),
            ("/admin/users", "new-user", [("NewUser.Username", "sneaky"), ("NewUser.Password", "sneaky-password"), ("NewUser.Role", "admin")]),
            ("/admin/merchants", "create-merchant", [("Create.Name", "Sneaky shop")]),
        };
        foreach (var (path, form, fields) in attempts)
        {
            var response = await viewer.PostAsync(path, [("_handler", form), ("__af", token), .. fields]);
            Assert.True(response.StatusCode == HttpStatusCode.Forbidden, $"{path} {form}: {(int)response.StatusCode}");
            Assert.Contains("Read-only access", await response.Content.ReadAsStringAsync());
        }
        Assert.Equal(0, app.Scalar<long>("SELECT COUNT(*) FROM api_clients WHERE name = 'sneaky'"));
        Assert.Equal(0, app.Scalar<long>("SELECT COUNT(*) FROM admin_users WHERE username = 'sneaky'"));
    }

    [Fact]
    public async Task Users_ATooShortPassword_IsRefused_AndYouCantRemoveYourself()
    {
        var admin = await AdminClient.SignInAsync(app);

        var response = await admin.SubmitAsync("/admin/users", "new-user", ("NewUser.Username", "shorty"), ("NewUser.Password", "short"), ("NewUser.Role", "admin"));
        var page = await admin.PageAsync("/admin/users");

        Assert.Contains($"at least {AdminUsers.MinPasswordLength} characters", await response.Content.ReadAsStringAsync());
        Assert.DoesNotMatch(new Regex("admin \\(you\\)</td>.*?Remove", RegexOptions.Singleline), page.Split("</tr>").Single(r => r.Contains("(you)")));
    }

    [GeneratedRegex("<code data-reveal=\"([^\"]+)\">([^<]+)</code>")]
    private static partial Regex RevealedValue();
}
