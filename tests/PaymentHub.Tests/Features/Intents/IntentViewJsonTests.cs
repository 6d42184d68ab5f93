using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using PaymentHub.Features.Intents;
using PaymentHub.Features.Payments.Contracts;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Intents;

/// <summary>
/// The intent view writes its own JSON on the hot paths: byte for byte what the serializer writes
/// with the API's options, for every property, null or not, and for text that JSON must escape.
/// </summary>
public sealed class IntentViewJsonTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private static IntentView Bare() => new(
        Id: "pi_1", IntentId: "pi_1", ReferenceId: "R-1", CustomerRefId: null, Status: "requires_payment", Amount: "80.00", Currency: "USD",
        Type: "one_time", IntervalDays: null, Email: "a@example.com", Name: "A", Tax: null, Discount: null, OrderItems: [],
        Metadata: null, IntegrationType: "url", SuccessUrl: null, CancelUrl: null, FailUrl: null, AllowedOrigins: [],
        CaptureMethod: "automatic", PaymentUrl: "http://localhost/pay/t", Livemode: false, ExpiresAt: "2026-01-01T00:00:00.000000Z",
        CreatedAt: "2026-01-01T00:00:00.000000Z", UpdatedAt: "2026-01-01T00:00:00.000000Z", Charges: [], Subscription: null);

    private static IntentView Full() => Bare() with
    {
        CustomerRefId = "CUST-1",
        Type = "recurring",
        IntervalDays = 30,
        // Text a JSON encoder treats differently: markup, quotes, non-ASCII, an emoji, control characters.
        Name = "José <b>\"Ünïcødé\"</b> & 'co' + 山田 😀 \t\n",
        Email = "jose+shop@example.com",
        Tax = "1.50",
        Discount = "0.25",
        OrderItems = [new ItemView("Product <1> é", 2, "10.00"), new ItemView("Two", 1, "0.00")],
        Metadata = JsonDocument.Parse("""{"a":"<x> é \u00e9","n":1.50,"deep":{"list":[true,null,"s"]}}""").RootElement.Clone(),
        IntegrationType = "iframe",
        SuccessUrl = "https://shop.example/ok?x=1&y=2",
        CancelUrl = "https://shop.example/cancel",
        FailUrl = "https://shop.example/fail",
        AllowedOrigins = ["https://shop.example", "https://other.example:8443"],
        CaptureMethod = "manual",
        Livemode = true,
        Charges =
        [
            new ChargeView(7, "authorization", "succeeded", "80.00", "80.00", "10.00", "sub_1", "txn-9", null, null, "visa", "4242", "12/30",
                "2026-01-01T00:00:01.000000Z"),
            new ChargeView(8, "renewal", "failed", "80.00", "0.00", "0.00", null, null, "do_not_honor", "Declined <by> bank é", null, null, null,
                "2026-01-02T00:00:01.000000Z"),
        ],
        Subscription = new IntentSubscriptionView("sub_1", "past_due", "80.00", 30, null, 2, "2026-01-01T00:00:01.000000Z",
            "2026-02-01T00:00:00.000000Z", "2026-01-31T00:00:01.000000Z", true, "Cancelled by the merchant <admin>"),
    };

    public static TheoryData<string> Views => ["bare", "full"];

    [Theory]
    [MemberData(nameof(Views))]
    public async Task OwnJson_IsWhatTheSerializerWrites(string which)
    {
        var view = which == "full" ? Full() : Bare();
        var options = app.Services.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;
        var expected = JsonSerializer.Serialize(new Envelope<IntentView>(true, view), options);

        var http = new DefaultHttpContext { RequestServices = app.Services };
        using var body = new MemoryStream();
        http.Response.Body = body;
        await new ApiOk<IntentView>(view).ExecuteAsync(http);

        Assert.Equal(expected, Encoding.UTF8.GetString(body.ToArray()));
        Assert.Equal(200, http.Response.StatusCode);
        Assert.Equal("application/json; charset=utf-8", http.Response.ContentType);
    }

    /// <summary>What an Idempotency-Key keeps (and replays) is rendered into a buffer, not sent: the same status, type and bytes.</summary>
    [Theory]
    [MemberData(nameof(Views))]
    public async Task Rendered_IsWhatExecutingTheAnswerSends(string which)
    {
        var answer = new ApiOk<IntentView>(which == "full" ? Full() : Bare());
        var http = new DefaultHttpContext { RequestServices = app.Services };
        using var body = new MemoryStream();
        http.Response.Body = body;
        await answer.ExecuteAsync(http);

        var rendered = ((IRenderableResult)answer).Render(new DefaultHttpContext { RequestServices = app.Services });

        Assert.NotNull(rendered);
        Assert.Equal(http.Response.StatusCode, rendered.Value.Status);
        Assert.Equal(http.Response.ContentType, rendered.Value.ContentType);
        Assert.Equal(body.ToArray(), rendered.Value.Body);
    }

    [Fact]
    public void Rendered_OfAnAnswerTheSerializerWrites_IsLeftToExecuting() =>
        Assert.Null(((IRenderableResult)new ApiOk<string>("x")).Render(new DefaultHttpContext { RequestServices = app.Services }));
}
