using System.Net;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Dapper;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Data.Sqlite;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Payments;

/// <summary>Drives the hosted checkout over HTTP as a browser would: GET the page, POST the form with its anti-forgery token.</summary>
public sealed partial class Checkout(PaymentHubFactory app)
{
    public const string Approve = "4242 4242 4242 4242";
    public const string Decline = "4000 0000 0000 0002";
    public const string InsufficientFunds = "4000 0000 0000 9995";
    public const string RenewalsDecline = "4000 0000 0000 0341";

    /// <summary>A customer's browser: keeps cookies, does not follow redirects.</summary>
    public HttpClient Browser() => app.CreateClient(new WebApplicationFactoryClientOptions
        { AllowAutoRedirect = false, HandleCookies = true, BaseAddress = app.ClientOptions.BaseAddress });

    /// <summary>Creates an intent through the API; returns (intent_id, path of payment_url).</summary>
    public async Task<(string IntentId, string PayPath)> CreateAsync(IntentBuilder body)
    {
        var response = await app.Api().PostJson("/api/platform/intents", body.Json());
        var json = await response.Body();
        Assert.True(response.StatusCode == HttpStatusCode.OK, json.ToJsonString());
        var url = new Uri((string)json["data"]!["payment_url"]!);
        return ((string)json["data"]!["intent_id"]!, url.AbsolutePath);
    }

    public static async Task<string> AntiforgeryToken(HttpResponseMessage page)
    {
        var html = await page.Content.ReadAsStringAsync();
        var match = TokenField().Match(html);
        Assert.True(match.Success, "the page has no anti-forgery field: " + html);
        return WebUtility.HtmlDecode(match.Groups[1].Value);
    }

    /// <summary>Opens the page and submits the card form.</summary>
    public async Task<HttpResponseMessage> PayAsync(HttpClient browser, string payPath, string card = Approve,
        string expiry = "12/30", string cvc = "123", string name = "Jane Customer")
    {
        var page = await browser.GetAsync(payPath);
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        var token = await AntiforgeryToken(page);
        return await browser.PostAsync(payPath, new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["__af"] = token, ["name_on_card"] = name, ["card_number"] = card, ["card_expiry"] = expiry, ["card_cvc"] = cvc,
        }));
    }

    public async Task<JsonNode> IntentAsync(string intentId)
    {
        var response = await app.Api().GetAsync($"/api/platform/intents/{intentId}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (await response.Body())["data"]!;
    }

    public async Task<List<(string Type, string Payload)>> EventsAsync(string intentId)
    {
        await using var c = app.Open();
        return (await c.QueryAsync<(string, string)>("SELECT type, payload FROM events WHERE intent_id = @intentId ORDER BY seq", new { intentId })).ToList();
    }

    public async Task<T> ScalarAsync<T>(string sql, object? args = null)
    {
        await using var c = app.Open();
        return await c.ExecuteScalarAsync<T>(sql, args) ?? throw new InvalidOperationException("no value");
    }

    /// <summary>A re-rendered form never carries the card back to the browser.</summary>
    public static void AssertCardFieldsEmpty(string html)
    {
        foreach (var field in new[] { "card_number", "card_expiry", "card_cvc" })
        {
            var input = Regex.Match(html, $"<input id=\"{field}\"[^>]*>");
            Assert.True(input.Success, $"no {field} input");
            Assert.DoesNotContain("value=", input.Value);
        }
    }

    [GeneratedRegex("name=\"__af\" value=\"([^\"]+)\"")]
    private static partial Regex TokenField();
}
