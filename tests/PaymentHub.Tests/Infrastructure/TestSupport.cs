using System.Net;
using System.Text.Json.Nodes;
using System.Data.Common;
using Dapper;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Merchants;
using PaymentHub.Infrastructure.Database;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>Assertions on the API's envelopes (docs/api.md).</summary>
public static class Envelopes
{
    public const string InvalidApiKey = """{"success":false,"message":"Invalid API Key provided.","code":"invalid_api_key","data":[]}""";

    /// <summary>422 in the validation envelope, with <paramref name="message"/> among the messages for <paramref name="field"/>.</summary>
    public static async Task<JsonObject> AssertValidationError(HttpResponseMessage response, string field, string message, string? code = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.UnprocessableEntity, $"expected 422, got {(int)response.StatusCode}: {text}");
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal("The given data was invalid.", (string?)body["message"]);
        var errors = body["errors"]!.AsObject();
        Assert.True(errors.ContainsKey(field), $"no error for '{field}' in {text}");
        var messages = errors[field]!.AsArray().Select(m => (string?)m).ToList();
        Assert.Contains(message, messages);
        if (code is null)
            Assert.Equal(["message", "errors"], body.Select(p => p.Key));
        else
        {
            Assert.Equal(["message", "errors", "code"], body.Select(p => p.Key));
            Assert.Equal(code, (string?)body["code"]);
        }
        return body;
    }

    /// <summary>
    /// The error envelope: <c>{"success": false, "message", "code", "data"}</c>, with the expected code when
    /// given; returns the body.
    /// </summary>
    public static async Task<JsonNode> AssertError(HttpResponseMessage response, HttpStatusCode status, string? message = null, string? code = null)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.StartsWith("application/json", response.Content.Headers.ContentType?.MediaType);
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.Equal(["success", "message", "code", "data"], body.Select(p => p.Key));
        Assert.False((bool)body["success"]!);
        Assert.Matches("^[a-z_]+$", (string?)body["code"]);
        if (message is not null) Assert.Equal(message, (string?)body["message"]);
        if (code is not null) Assert.Equal(code, (string?)body["code"]);
        return body;
    }

    /// <summary>200 with <c>{"success": true, "data": ...}</c>; returns data.</summary>
    public static async Task<JsonNode> AssertOk(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"expected 200, got {(int)response.StatusCode}: {text}");
        var body = JsonNode.Parse(text)!.AsObject();
        Assert.True((bool)body["success"]!);
        return body["data"]!;
    }
}

/// <summary>Direct access to the app's database and its writer, for set-up and for checking state.</summary>
public static class Store
{
    /// <summary>A connection to the app's database, SQLite or PostgreSQL, for set-up and checks beside the app.</summary>
    public static DbConnection Open(this PaymentHubFactory app)
    {
        _ = app.Services; // the app made and migrated its database (a test may look before any request)
        return TestDatabases.Open(app.DataPath);
    }

    public static T Scalar<T>(this PaymentHubFactory app, string sql, object? args = null)
    {
        using var connection = app.Open();
        return connection.ExecuteScalar<T>(sql, args)!;
    }

    public static Task<T> WriteAsync<T>(this PaymentHubFactory app, Func<DbTx, Task<T>> work) =>
        app.Services.GetRequiredService<DbWriter>().WriteAsync(work);

    public static string FixtureMerchantId(this PaymentHubFactory app) =>
        app.Scalar<string>("SELECT merchant_id FROM api_clients WHERE client_id = @ClientId", new { PaymentHubFactory.ClientId });

    public static Task<string> CreateMerchantAsync(this PaymentHubFactory app, string name = "Second merchant") =>
        app.WriteAsync(async tx =>
        {
            var id = "mch_" + Guid.NewGuid();
            await tx.Connection.ExecuteAsync("INSERT INTO merchants (id, name, created_at) VALUES (@Id, @Name, 0)",
                new { Id = id, Name = name }, tx.Transaction);
            return id;
        });

    public static Task<NewApiClient> CreateClientAsync(this PaymentHubFactory app, string merchantId, string mode = "test") =>
        app.WriteAsync(tx => ApiClients.CreateAsync(tx, merchantId, mode, $"{mode} client for tests", app.Clock.GetUtcNow()));

    public static HttpClient Api(this PaymentHubFactory app, NewApiClient client) => app.Api(client.ClientId, client.ClientSecret);

    /// <summary>A test-mode client of a brand-new merchant: a clean slate for listings.</summary>
    public static async Task<HttpClient> NewMerchantApiAsync(this PaymentHubFactory app, string mode = "test")
    {
        var merchant = await app.CreateMerchantAsync();
        return app.Api(await app.CreateClientAsync(merchant, mode));
    }
}

public static class IntentCalls
{
    public const string Intents = "/api/platform/intents";

    /// <summary>Creates an intent and returns the response's data.</summary>
    public static async Task<JsonNode> CreateIntentAsync(this HttpClient api, IntentBuilder? intent = null) =>
        await Envelopes.AssertOk(await api.PostJson(Intents, (intent ?? new IntentBuilder()).Json()));

    public static async Task<string> CreateIntentIdAsync(this HttpClient api, IntentBuilder? intent = null) =>
        (string)(await api.CreateIntentAsync(intent))["intent_id"]!;

    public static Task<HttpResponseMessage> CancelAsync(this HttpClient api, string intentId) =>
        api.PostAsync($"{Intents}/{intentId}/cancel", null);

    public static string Token(JsonNode intent) => ((string)intent["payment_url"]!).Split("/pay/")[1];
}
