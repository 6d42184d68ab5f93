using System.Net;
using System.Text;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

/// <summary>
/// Every curl example of the original API documentation, which merchants' integrations copied,
/// succeeds as written against PaymentHub (host and key aside).
/// </summary>
public sealed class SeedExamplesTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    // The first revision's create-intent body, verbatim: no integration_type, a fail_url, tax and
    // discount, numeric-looking ids, even its `"reference_id" : "123456"` spacing.
    private const string FirstRevisionBody = """
        {
        "amount": 80,
        "currency": "USD",
        "intent_type": "recurring",
        "interval_days": 30,
        "email": "customer@example.com",
        "customer_ref_id": "123456",
        "name": "John Doe",
        "success_url": "https://example.com/success",
        "fail_url": "https://example.com/fail",
        "cancel_url": "https://example.com/cancel",
        "metadata": {
        "order_id": "123456"
        },
        "reference_id" : "123456",
        "order_items": [
        {
        "name": "Product 1",
        "quantity": 1,
        "price": 50.00
        },
        {
        "name": "Product 2",
        "quantity": 2,
        "price": 25.00
        }
        ],
        "tax": 10,
        "discount": 5
        }
        """;

    // The second revision's create-intent body, verbatim: integration_type iframe, an indented body.
    private const string SecondRevisionBody = """
        {
            "amount": 80,
            "currency": "USD",
            "intent_type": "recurring",
            "interval_days": 30,
            "email": "customer@example.com",
            "name": "John Doe",
            "reference_id" : "ORDER-123456",
            "customer_ref_id": "CUST-001",
            "integration_type": "iframe",
            "success_url": "https://example.com/success",
            "cancel_url": "https://example.com/cancel",
            "metadata": {
                "internal_id": "999"
            },
            "order_items": [
                {
                    "name": "Product 1",
                    "quantity": 1,
                    "price": 50.00
                }
            ]
          }
        """;

    /// <summary>The request curl -H ... -d '...' sends.</summary>
    private static HttpRequestMessage Curl(HttpMethod method, string path, string? idempotencyKey = null, string? body = null)
    {
        var request = new HttpRequestMessage(method, path);
        request.Headers.Add("X-Client-ID", PaymentHubFactory.ClientId);
        request.Headers.Add("X-Client-Secret", PaymentHubFactory.ClientSecret);
        if (idempotencyKey is not null) request.Headers.Add("Idempotency-Key", idempotencyKey);
        if (body is not null) request.Content = new StringContent(body, Encoding.UTF8, "application/json");
        return request;
    }

    [Fact]
    public async Task FirstRevisionCurls_CreateGetAndCancel_Succeed()
    {
        var http = app.CreateClient();

        var created = await Envelopes.AssertOk(await http.SendAsync(Curl(HttpMethod.Post, "/api/platform/intents",
            "26b13c75-58c1-4d2e-8770-ae0a056aefa1", FirstRevisionBody)));
        var id = (string)created["intent_id"]!;
        Assert.StartsWith("pi_", id);
        Assert.Equal("requires_payment", (string?)created["status"]);
        Assert.Equal("80.00", (string?)created["amount"]);
        Assert.Contains("/pay/", (string?)created["payment_url"]);
        Assert.Equal("url", (string?)created["integration_type"]);

        var fetched = await Envelopes.AssertOk(await http.SendAsync(Curl(HttpMethod.Get, $"/api/platform/intents/{id}")));
        Assert.Equal(id, (string?)fetched["id"]);
        Assert.Equal("80.00", (string?)fetched["amount"]);
        Assert.Equal("requires_payment", (string?)fetched["status"]);
        Assert.Empty(fetched["charges"]!.AsArray());
        Assert.Equal("10.00", (string?)fetched["tax"]);
        Assert.Equal("5.00", (string?)fetched["discount"]);
        Assert.Equal("123456", (string?)fetched["metadata"]!["order_id"]);
        Assert.Equal("https://example.com/fail", (string?)fetched["fail_url"]);
        Assert.Equal(["50.00", "25.00"], fetched["order_items"]!.AsArray().Select(i => (string?)i!["price"]));

        var cancelled = await Envelopes.AssertOk(await http.SendAsync(Curl(HttpMethod.Post, $"/api/platform/intents/{id}/cancel")));
        Assert.Equal(id, (string?)cancelled["intent_id"]);
        Assert.Equal("cancelled", (string?)cancelled["status"]);
    }

    [Fact]
    public async Task SecondRevisionCurl_Create_ReturnsTheDocumentedResponse()
    {
        var http = app.CreateClient();

        var response = await http.SendAsync(Curl(HttpMethod.Post, "/api/platform/intents", "2b244b3a-897f-4f3e-ad70-69ea39635b9e", SecondRevisionBody));

        var data = await Envelopes.AssertOk(response);
        Assert.StartsWith("pi_", (string?)data["intent_id"]);
        Assert.Equal("requires_payment", (string?)data["status"]);
        Assert.Equal("80.00", (string?)data["amount"]);
        Assert.StartsWith("https://pay.example.test/pay/", (string?)data["payment_url"]);

        var byReference = await Envelopes.AssertOk(await http.SendAsync(Curl(HttpMethod.Get, "/api/platform/intents/reference/ORDER-123456")));
        Assert.Equal((string?)data["intent_id"], (string?)byReference["intent_id"]);
        Assert.Equal("ORDER-123456", (string?)byReference["reference_id"]);
        Assert.Equal("USD", (string?)byReference["currency"]);
        Assert.Equal("recurring", (string?)byReference["type"]);
        Assert.Equal(30, (int)byReference["interval_days"]!);
        Assert.Equal("iframe", (string?)byReference["integration_type"]);
        Assert.Equal("CUST-001", (string?)byReference["customer_ref_id"]);
        Assert.Equal("999", (string?)byReference["metadata"]!["internal_id"]);
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$", (string?)byReference["expires_at"]);
        Assert.Equal("50.00", (string?)byReference["order_items"]![0]!["price"]);

        // curl retried with the same Idempotency-Key: the same answer, not a duplicate-reference 409.
        var retried = await http.SendAsync(Curl(HttpMethod.Post, "/api/platform/intents", "2b244b3a-897f-4f3e-ad70-69ea39635b9e", SecondRevisionBody));
        Assert.Equal(HttpStatusCode.OK, retried.StatusCode);
        Assert.Equal("true", retried.Headers.GetValues("Idempotent-Replayed").Single());
    }
}
