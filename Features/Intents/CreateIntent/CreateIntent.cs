using Carter;
using System.Globalization;
using System.Reflection;
using System.Text.Json;
using FluentValidation;
using Microsoft.AspNetCore.Http.HttpResults;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.TestClock.Contracts;
using PaymentHub.Infrastructure;
using PaymentHub.Infrastructure.Auth;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;
using PaymentHub.Infrastructure.Idempotency;
using PaymentHub.Infrastructure.OpenApi;
using PaymentHub.Infrastructure.Money;

namespace PaymentHub.Features.Intents;

/// <summary>POST /intents: a payment intent and its hosted checkout link (docs/api.md, "Create an intent").</summary>
public sealed partial class CreateIntent : ICarterModule
{
    public void AddRoutes(IEndpointRouteBuilder app) =>
        app.MapPlatform().MapPost("/intents", Handle)
            .Validate<Request>()
            .Accepts<Request>("application/json")
            .WithErrors(new ErrorExample(409, ErrorCodes.ReferenceConflict, "A payment intent with reference_id 'ORDER-123456' already exists.",
                "An intent with this reference_id exists already; data.intent_id names it.", """{ "intent_id": "pi_0193a5e2-7c1d-7b3e-9f4a-2d6c8e1f3a5b" }"""))
            .WithTags("Intents")
            .WithName("CreateIntent")
            .WithSummary("Create a payment intent")
            .WithDescription("Initializes a payment and returns the hosted checkout link (payment_url).");

    public sealed record Request : IBindableFromHttpContext<Request>
    {
        public FlexNumber? Amount { get; init; }
        public string? Currency { get; init; }
        public string? IntentType { get; init; }
        public FlexNumber? IntervalDays { get; init; }
        public string? Email { get; init; }
        public string? Name { get; init; }
        public string? ReferenceId { get; init; }
        public string? CustomerRefId { get; init; }
        public List<Item?>? OrderItems { get; init; }
        public string? IntegrationType { get; init; }
        public string? SuccessUrl { get; init; }
        public string? CancelUrl { get; init; }
        public string? FailUrl { get; init; }
        public List<string?>? AllowedOrigins { get; init; }
        public FlexNumber? Tax { get; init; }
        public FlexNumber? Discount { get; init; }
        public Dictionary<string, JsonElement>? Metadata { get; init; }
        public string? CaptureMethod { get; init; }
        public FlexNumber? ExpiresInMinutes { get; init; }

        public static async ValueTask<Request?> BindAsync(HttpContext ctx, ParameterInfo parameter) =>
            await JsonBody.ReadAsync<Request>(ctx);
    }

    public sealed record Item
    {
        public string? Name { get; init; }
        public FlexNumber? Quantity { get; init; }
        public FlexNumber? Price { get; init; }
    }

    public sealed partial class Validator : AbstractValidator<Request>
    {
        [System.Text.RegularExpressions.GeneratedRegex("^[a-zA-Z0-9_-]+$")]
        private static partial System.Text.RegularExpressions.Regex ReferencePattern();

        public const decimal MaxMoney = 999_999_999.99m;
        public const int MaxAllowedOrigins = 10;

        /// <summary>The currency's exponent, for the item rules, which can't see the request.</summary>
        internal const string ExponentKey = "currency_exponent";
        private readonly Currencies _currencies;

        public Validator(Currencies currencies)
        {
            _currencies = currencies;
            RuleLevelCascadeMode = CascadeMode.Stop;
            int? Exponent(ValidationContext<Request> ctx) => currencies.FindPayable(ctx.InstanceToValidate.Currency)?.Exponent;

            RuleFor(r => r.Amount).Money(required: true, min: 1, Exponent);
            RuleFor(r => r.Currency)
                .NotEmpty().WithMessage(Messages.Required)
                .Must(c => currencies.FindPayable(c) is not null).WithMessage("The :attribute must be a valid ISO 4217 currency code.");
            RuleFor(r => r.IntentType)
                .NotEmpty().WithMessage(Messages.Required)
                .Must(t => t is "one_time" or "recurring").WithMessage("The selected :attribute is invalid. Use one_time or recurring.");
            // Conditions on the rules themselves, not When(…, () => …) blocks: a block's condition is kept
            // in a per-validation cache under a string key, a fifth of this validator's time per create.
            RuleFor(r => r.IntervalDays)
                .NotNull().WithMessage("The :attribute field is required when intent type is recurring.")
                .Integer().Between(1, 3650)
                .When(r => r.IntentType == "recurring");
            RuleFor(r => r.IntervalDays)
                .Null().WithMessage("The :attribute field is prohibited when intent type is one_time.")
                .When(r => r.IntentType == "one_time");
            RuleFor(r => r.Email)
                .NotEmpty().WithMessage(Messages.Required)
                .MaximumLength(255).WithMessage(Messages.MaxChars(255))
                .Must(Checks.IsEmail).WithMessage("The :attribute must be a valid email address.");
            RuleFor(r => r.Name)
                .NotEmpty().WithMessage(Messages.Required)
                .MaximumLength(255).WithMessage(Messages.MaxChars(255));
            RuleFor(r => r.ReferenceId)
                .NotEmpty().WithMessage(Messages.Required)
                .MaximumLength(100).WithMessage(Messages.MaxChars(100))
                .Matches(ReferencePattern()).WithMessage("The :attribute may only contain letters, numbers, dashes and underscores.");
            RuleFor(r => r.CustomerRefId)
                .MaximumLength(100).WithMessage(Messages.MaxChars(100));
            RuleFor(r => r.OrderItems)
                .NotEmpty().WithMessage(Messages.Required)
                .Must(items => items!.Count <= 100).WithMessage("The :attribute must not have more than 100 items.");
            RuleForEach(r => r.OrderItems)
                .NotNull().WithMessage(Messages.Required)
                .SetValidator(new ItemValidator());
            RuleFor(r => r.IntegrationType)
                .Must(t => t is null or "iframe" or "url").WithMessage("The selected :attribute is invalid. Use iframe or url.");
            RuleFor(r => r.SuccessUrl).NotEmpty().WithMessage("The :attribute field is required when integration type is url.")
                .When(r => r.IntegrationType is null or "url");
            RuleFor(r => r.CancelUrl).NotEmpty().WithMessage("The :attribute field is required when integration type is url.")
                .When(r => r.IntegrationType is null or "url");
            RuleFor(r => r.SuccessUrl).Url();
            RuleFor(r => r.CancelUrl).Url();
            RuleFor(r => r.FailUrl).Url();
            RuleFor(r => r.AllowedOrigins)
                .Must(o => o!.Count <= MaxAllowedOrigins).WithMessage($"The :attribute must not have more than {MaxAllowedOrigins} origins.")
                .When(r => r.AllowedOrigins is not null);
            RuleForEach(r => r.AllowedOrigins)
                .Must(o => FrameOrigins.Normalize(o) is not null)
                .WithMessage("The :attribute must be an exact https origin such as https://shop.example (scheme, host and optional port, no path).");
            RuleFor(r => r.Tax).Money(required: false, min: 0, Exponent);
            RuleFor(r => r.Discount).Money(required: false, min: 0, Exponent);
            RuleFor(r => r.Metadata!).Metadata().When(r => r.Metadata is not null);
            RuleFor(r => r.CaptureMethod)
                .Must(m => m is null or "automatic" or "manual").WithMessage("The selected :attribute is invalid. Use automatic or manual.");
            RuleFor(r => r.ExpiresInMinutes).Integer().Between(5, 43_200).When(r => r.ExpiresInMinutes is not null);
        }

        protected override bool PreValidate(ValidationContext<Request> context, FluentValidation.Results.ValidationResult result)
        {
            if (_currencies.FindPayable(context.InstanceToValidate.Currency) is { } currency)
                context.RootContextData[ExponentKey] = currency.Exponent;
            return true;
        }
    }

    /// <summary>One order item; built once, it reads the currency's exponent from the root context.</summary>
    public sealed class ItemValidator : AbstractValidator<Item?>
    {
        public ItemValidator()
        {
            RuleLevelCascadeMode = CascadeMode.Stop;
            RuleFor(i => i!.Name)
                .NotEmpty().WithMessage(Messages.Required)
                .MaximumLength(255).WithMessage(Messages.MaxChars(255));
            RuleFor(i => i!.Quantity)
                .NotNull().WithMessage(Messages.Required)
                .Integer().Between(1, 1_000_000);
            RuleFor(i => i!.Price).Money(required: true, min: 0,
                ctx => ctx.RootContextData.TryGetValue(Validator.ExponentKey, out var e) ? (int)e : null);
        }
    }

    private const string InsertIntentSql = """
        INSERT INTO intents (id, merchant_id, mode, reference_id, customer_ref_id, intent_type, interval_days, amount, currency,
            tax, discount, email, name, integration_type, success_url, cancel_url, fail_url, capture_method, metadata, status,
            payment_token, created_at, updated_at, expires_at, allowed_origins)
        VALUES (@Id, @MerchantId, @Mode, @ReferenceId, @CustomerRefId, @IntentType, @IntervalDays, @Amount, @Currency,
            @Tax, @Discount, @Email, @Name, @IntegrationType, @SuccessUrl, @CancelUrl, @FailUrl, @CaptureMethod, @Metadata, @Status,
            @PaymentToken, @CreatedAt, @UpdatedAt, @ExpiresAt, @AllowedOrigins)
        ON CONFLICT (merchant_id, mode, reference_id) DO NOTHING
        """;

    private const string MerchantOriginsSql = "SELECT allowed_origins FROM merchants WHERE id = @MerchantId";

    private const string ExistingSql = "SELECT id FROM intents WHERE merchant_id = @MerchantId AND mode = @Mode AND reference_id = @ReferenceId";

    /// <summary>All items in one statement: one prepared statement per item count instead of one run per item.</summary>
    private static (string Sql, (string, object?)[] Parameters) InsertItems(IReadOnlyList<IntentItemRow> items)
    {
        var parameters = new (string, object?)[1 + 3 * items.Count];
        parameters[0] = ("IntentId", items[0].IntentId);
        for (var i = 0; i < items.Count; i++)
        {
            var (name, quantity, price) = ItemParameterNames(i);
            parameters[1 + 3 * i] = (name, items[i].Name);
            parameters[2 + 3 * i] = (quantity, items[i].Quantity);
            parameters[3 + 3 * i] = (price, items[i].Price);
        }
        return (items.Count <= CommonItemCounts ? CommonItemsSql[items.Count - 1] : ItemsSql(items.Count), parameters);
    }

    // The statement and parameter names for the usual item counts are made once, not at every create.
    private const int CommonItemCounts = 10;
    private static readonly string[] CommonItemsSql = [.. Enumerable.Range(1, CommonItemCounts).Select(ItemsSql)];
    private static readonly (string, string, string)[] CommonItemNames =
        [.. Enumerable.Range(0, CommonItemCounts).Select(i => ($"N{i}", $"Q{i}", $"P{i}"))];

    private static (string Name, string Quantity, string Price) ItemParameterNames(int i) =>
        i < CommonItemCounts ? CommonItemNames[i] : ($"N{i}", $"Q{i}", $"P{i}");

    private static string ItemsSql(int count) =>
        "INSERT INTO intent_items (intent_id, position, name, quantity, price) VALUES " +
        string.Join(", ", Enumerable.Range(0, count).Select(i => string.Create(CultureInfo.InvariantCulture, $"(@IntentId, {i}, @N{i}, @Q{i}, @P{i})")));

    private static (string, object?)[] Parameters(IntentRow r) =>
    [
        ("Id", r.Id), ("MerchantId", r.MerchantId), ("Mode", r.Mode), ("ReferenceId", r.ReferenceId), ("CustomerRefId", r.CustomerRefId),
        ("IntentType", r.IntentType), ("IntervalDays", r.IntervalDays), ("Amount", r.Amount), ("Currency", r.Currency), ("Tax", r.Tax),
        ("Discount", r.Discount), ("Email", r.Email), ("Name", r.Name), ("IntegrationType", r.IntegrationType), ("SuccessUrl", r.SuccessUrl),
        ("CancelUrl", r.CancelUrl), ("FailUrl", r.FailUrl), ("CaptureMethod", r.CaptureMethod), ("Metadata", r.Metadata), ("Status", r.Status),
        ("PaymentToken", r.PaymentToken), ("CreatedAt", r.CreatedAt), ("UpdatedAt", r.UpdatedAt), ("ExpiresAt", r.ExpiresAt),
        ("AllowedOrigins", r.AllowedOrigins),
    ];

    public sealed record Services([FromServices] DbWriter Writer, [FromServices] Currencies Currencies, [FromServices] IMerchantClock Clock, [FromServices] Settings Settings);

    [ClaimsIdempotencyKeyInItsWrite]
    public static async Task<Results<ApiOk<IntentView>, ApiError>> Handle(
        Request request, Caller caller, [AsParameters] Services s, HttpContext http, CancellationToken ct)
    {
        var (row, items) = Map(request, caller, s, await s.Clock.NowAsync(caller.MerchantId, caller.Mode, ct));
        // Everything the unit needs is prepared here, on the request's thread: the unit runs on the
        // writer's, which every write in the process waits for.
        var intentParameters = Parameters(row);
        var (itemsSql, itemParameters) = InsertItems(items);
        var createdMessage = $"Payment intent created for {Amounts.Format(row.Amount, s.Currencies.Get(row.Currency).Exponent)} {row.Currency}.";
        var answer = new ApiOk<IntentView>(IntentQueries.View(row, items, [], null, s.Currencies, s.Settings.PublicBase(http.Request)));
        // With an Idempotency-Key, the key is claimed and this answer kept in the unit that creates the intent.
        var idempotent = IdempotentRequest.Of(http);
        if (idempotent is not null) await idempotent.PrepareAnswerAsync(http, answer);
        var existing = await s.Writer.WriteAsync(async tx =>
        {
            if (idempotent is not null && !idempotent.TryClaim(tx)) return null;
            // One row inserted, or none when the reference is taken. Counted, not RETURNING the id:
            // SQLite runs a RETURNING clause as a trigger that fills a temporary table, about 2 µs on
            // the writer's thread per statement, and the id is known already.
            var inserted = tx.Execute(InsertIntentSql, intentParameters) == 1;
            // A reference taken meanwhile: the INSERT waited for its creator's commit and did nothing, and this reads it.
            if (!inserted)
            {
                idempotent?.AnswerOtherwise(tx);
                return tx.Scalar<string>(ExistingSql, ("MerchantId", row.MerchantId), ("Mode", row.Mode), ("ReferenceId", row.ReferenceId));
            }
            tx.Execute(itemsSql, itemParameters);
            await IntentLog.WriteAsync(tx, row.Id, "intent.created", createdMessage, Actor.Api, DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt));
            if (row.IntegrationType == "iframe" && row.AllowedOrigins is null
                && FrameOrigins.Parse(tx.Scalar<string>(MerchantOriginsSql, ("MerchantId", row.MerchantId))).Count == 0)
                await IntentLog.WriteAsync(tx, row.Id, "intent.frame_open",
                    "This iframe checkout has no allowed_origins, so any website may frame it and receive its payment events. " +
                    "Send allowed_origins with the intent (or set default origins for the merchant) to allow only your own site.",
                    Actor.System, DateTimeOffset.FromUnixTimeMilliseconds(row.CreatedAt));
            idempotent?.KeepAnswer(tx);
            return null;
        }, WriteIsolation.ReadCommitted, ct); // everything it writes is new, and the only read-then-write is the INSERT … ON CONFLICT
        idempotent?.ThrowIfTaken();

        if (existing is not null)
            return ApiError.Conflict(ErrorCodes.ReferenceConflict, $"A payment intent with reference_id '{row.ReferenceId}' already exists.", new { intent_id = existing });
        return answer;
    }

    /// <summary>The validated request as rows: amounts in minor units, defaults applied, times from the merchant's clock (<paramref name="now"/>).</summary>
    private static (IntentRow Row, IReadOnlyList<IntentItemRow> Items) Map(Request r, Caller caller, Services s, DateTimeOffset now)
    {
        var currency = s.Currencies.FindPayable(r.Currency)!;
        long Minor(FlexNumber? n) => Amounts.ToMinor(n!.Value.Value!.Value, currency.Exponent);
        var expiresIn = r.ExpiresInMinutes is { } m ? (int)m.Value!.Value : s.Settings.DefaultExpiryMinutes;
        var id = "pi_" + Guid.CreateVersion7();
        var row = new IntentRow
        {
            Id = id,
            MerchantId = caller.MerchantId,
            Mode = caller.Mode,
            ReferenceId = r.ReferenceId!,
            CustomerRefId = r.CustomerRefId,
            IntentType = r.IntentType!,
            IntervalDays = r.IntentType == "recurring" ? (long)r.IntervalDays!.Value.Value!.Value : null,
            Amount = Minor(r.Amount),
            Currency = currency.Code,
            Tax = r.Tax is null ? null : Minor(r.Tax),
            Discount = r.Discount is null ? null : Minor(r.Discount),
            Email = r.Email!,
            Name = r.Name!,
            IntegrationType = r.IntegrationType ?? "url",
            SuccessUrl = r.SuccessUrl,
            CancelUrl = r.CancelUrl,
            FailUrl = r.FailUrl,
            AllowedOrigins = r.AllowedOrigins is { Count: > 0 } origins
                ? string.Join(' ', origins.Select(o => FrameOrigins.Normalize(o)!).Distinct(StringComparer.Ordinal))
                : null,
            CaptureMethod = r.CaptureMethod ?? "automatic",
            Metadata = r.Metadata is null ? null : JsonSerializer.Serialize(r.Metadata),
            Status = IntentStatus.RequiresPayment,
            PaymentToken = RandomTokens.NewTimeOrdered(now),
            CreatedAt = now.ToUnixTimeMilliseconds(),
            UpdatedAt = now.ToUnixTimeMilliseconds(),
            ExpiresAt = now.AddMinutes(expiresIn).ToUnixTimeMilliseconds(),
        };
        var items = r.OrderItems!.Select((item, i) => new IntentItemRow(id, i, item!.Name!, (long)item.Quantity!.Value.Value!.Value, Minor(item.Price))).ToList();
        return (row, items);
    }
}
