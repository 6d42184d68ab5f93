using Carter;
using System.Reflection;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.OpenApi;
using PaymentHub.Infrastructure.Security;

namespace PaymentHub.Features.Webhooks;

/// <summary>
/// POST /webhook-endpoints: a URL that receives the caller's events (in the caller's mode), with a
/// new signing secret, shown in this answer only.
/// </summary>
public sealed class CreateWebhookEndpoint : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapPost("/webhook-endpoints", Handle)
            .Validate<Request>()
            .Accepts<Request>("application/json")
            .WithRequestExample("""
                { "url": "https://shop.example.com/webhooks/paymenthub", "description": "Order system",
                  "event_types": ["payment.succeeded", "payment.refunded"] }
                """)
            .WithResponseExample(EndpointExamples.Created)
            .WithTags("Webhooks")
            .WithName("CreateWebhookEndpoint")
            .WithSummary("Create a webhook endpoint")
            .WithDescription("""
                Registers a URL that receives your events in this mode, signed with a new whsec_ secret. The secret is in this
                answer only: store it now. event_types defaults to every type ("*"). In live mode the URL must reach a public
                address. x_signature: true also sends the x-signature header (docs/webhooks.md).
                """);

    public sealed record Request : EndpointFields, IBindableFromHttpContext<Request>
    {
        public static async ValueTask<Request?> BindAsync(HttpContext ctx, ParameterInfo parameter) => await JsonBody.ReadAsync<Request>(ctx);
    }

    public sealed class Validator : AbstractValidator<Request>
    {
        public Validator()
        {
            RuleFor(r => r.Url).NotEmpty().WithMessage(Messages.Required);
            this.RulesForEndpointFields();
        }
    }

    private const string InsertSql = """
        INSERT INTO webhook_endpoints (id, merchant_id, mode, url, description, event_types, x_signature, enabled, secret_protected, created_at, updated_at)
        VALUES (@Id, @MerchantId, @Mode, @Url, @Description, @EventTypes, @XSignature, @Enabled, @SecretProtected, @Now, @Now)
        """;

    public static async Task<Results<ApiOk<EndpointView>, ApiValidationError>> Handle(
        Request request, Caller caller, [AsParameters] EndpointServices s, CancellationToken ct)
    {
        if (await s.RefuseAddressAsync(request.Url!, caller, ct) is { } refused) return refused;
        var secret = WebhookSigner.NewSecret();
        var now = s.Clock.GetUtcNow();
        var row = new EndpointRow
        {
            Id = "we_" + Guid.CreateVersion7(), MerchantId = caller.MerchantId, Mode = caller.Mode, Url = request.Url!,
            Description = string.IsNullOrEmpty(request.Description) ? null : request.Description,
            EventTypes = EventTypes.Store(request.EventTypes), XSignature = request.XSignature ?? false, Enabled = request.Enabled ?? true,
            CreatedAt = now.ToUnixTimeMilliseconds(), UpdatedAt = now.ToUnixTimeMilliseconds(),
        };
        var secretProtected = s.Secrets.Protect(secret);
        await s.Writer.WriteAsync(tx => Task.FromResult(tx.Execute(InsertSql, ("Id", row.Id), ("MerchantId", row.MerchantId), ("Mode", row.Mode),
            ("Url", row.Url), ("Description", row.Description), ("EventTypes", row.EventTypes), ("XSignature", row.XSignature), ("Enabled", row.Enabled),
            ("SecretProtected", secretProtected), ("Now", row.CreatedAt))), CancellationToken.None);
        return new ApiOk<EndpointView>(row.View(now) with { Secret = secret });
    }
}
