using System.Text.RegularExpressions;
using Dapper;
using FluentValidation;
using System.Data.Common;
using PaymentHub.Features.Intents.Contracts;
using PaymentHub.Features.Merchants.Contracts;
using PaymentHub.Infrastructure.Database;
using PaymentHub.Infrastructure.Http;

namespace PaymentHub.Features.Merchants;

/// <summary>A merchant and what it shows its customers: name, support email, logo, brand colour; its iframe origins and statement descriptor.</summary>
public sealed record MerchantProfile(string Id, string Name, string? SupportEmail, string? LogoUrl, string? BrandColor,
    string? AllowedOrigins, string? StatementDescriptor, long CreatedAt)
{
    public IReadOnlyList<string> Origins => FrameOrigins.Parse(AllowedOrigins);
}

/// <summary>A merchant's settings as an operator typed them; <see cref="MerchantProfiles.UpdateAsync"/> stores them normalised.</summary>
public sealed partial record MerchantSettingsUpdate(string? Name, string? SupportEmail, string? LogoUrl, string? BrandColor, string? AllowedOrigins,
    string? StatementDescriptor)
{
    public const int MaxOrigins = 20;
    public const int MaxDescriptor = 22;

    /// <summary>Origins are separated by spaces, commas or line breaks.</summary>
    public IReadOnlyList<string> OriginList =>
        (AllowedOrigins ?? "").Split([' ', ',', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);

    public sealed partial class Validator : AbstractValidator<MerchantSettingsUpdate>
    {
        public Validator()
        {
            RuleFor(u => u.Name).Must(n => !string.IsNullOrWhiteSpace(n)).WithMessage("Enter the shop's name.")
                .MaximumLength(100).WithMessage("The name must not be longer than 100 characters.");
            RuleFor(u => u.SupportEmail).Must(e => Checks.IsEmail(e!.Trim()) && e.Length <= 255)
                .WithMessage("Enter an email address such as help@shop.example.").When(u => !string.IsNullOrWhiteSpace(u.SupportEmail));
            RuleFor(u => u.LogoUrl).Must(l => LogoUrls.IsValid(l!.Trim()))
                .WithMessage("The logo must be an https address, such as https://shop.example/logo.png.").When(u => !string.IsNullOrWhiteSpace(u.LogoUrl));
            RuleFor(u => u.BrandColor).Must(c => BrandColors.IsValid(c!.Trim()))
                .WithMessage("Enter the colour as #rrggbb, such as #1f5eff.").When(u => !string.IsNullOrWhiteSpace(u.BrandColor));
            RuleFor(u => u.AllowedOrigins).Custom((_, ctx) =>
            {
                var origins = ctx.InstanceToValidate.OriginList;
                if (origins.Count > MaxOrigins) ctx.AddFailure($"At most {MaxOrigins} origins.");
                foreach (var origin in origins.Where(o => FrameOrigins.Normalize(o) is null))
                    ctx.AddFailure($"'{origin}' is not an exact https origin such as https://shop.example (scheme, host and optional port, no path).");
            });
            RuleFor(u => u.StatementDescriptor).Must(d => Descriptor().IsMatch(d!.Trim()))
                .WithMessage($"Up to {MaxDescriptor} letters, digits, spaces and . , - & (card networks show no more).")
                .When(u => !string.IsNullOrWhiteSpace(u.StatementDescriptor));
        }

        [GeneratedRegex(@"^[A-Za-z0-9 .,&\-]{1,22}$")]
        private static partial Regex Descriptor();
    }
}

/// <summary>Creating, reading and changing merchants (bootstrap, admin panel).</summary>
public static class MerchantProfiles
{
    private const string Columns = """
        id AS Id, name AS Name, support_email AS SupportEmail, logo_url AS LogoUrl, brand_color AS BrandColor,
        allowed_origins AS AllowedOrigins, statement_descriptor AS StatementDescriptor, created_at AS CreatedAt
        """;
    private const string UpdateSql = """
        UPDATE merchants SET name = @Name, support_email = @SupportEmail, logo_url = @LogoUrl, brand_color = @BrandColor,
            allowed_origins = @AllowedOrigins, statement_descriptor = @StatementDescriptor
        WHERE id = @Id
        """;

    /// <summary>A new merchant; returns its id (<c>mch_</c> + UUID).</summary>
    public static async Task<string> CreateAsync(DbTx tx, string name, DateTimeOffset now)
    {
        var id = "mch_" + Guid.CreateVersion7();
        await tx.Connection.ExecuteAsync("INSERT INTO merchants (id, name, created_at) VALUES (@Id, @Name, @Now)",
            new { Id = id, Name = name.Trim(), Now = now.ToUnixTimeMilliseconds() }, tx.Transaction);
        return id;
    }

    public static async Task<IReadOnlyList<MerchantProfile>> ListAsync(DbConnection c, CancellationToken ct) =>
        (await c.QueryAsync<MerchantProfile>(new CommandDefinition($"SELECT {Columns} FROM merchants ORDER BY created_at, id", cancellationToken: ct))).ToList();

    public static Task<MerchantProfile?> GetAsync(DbConnection c, string merchantId, CancellationToken ct) =>
        c.QuerySingleOrDefaultAsync<MerchantProfile>(new CommandDefinition($"SELECT {Columns} FROM merchants WHERE id = @Id",
            new { Id = merchantId }, cancellationToken: ct));

    /// <summary>Stores validated settings: trimmed, blanks as none, origins normalised; false when there is no such merchant.</summary>
    public static async Task<bool> UpdateAsync(DbTx tx, string merchantId, MerchantSettingsUpdate u)
    {
        static string? Blank(string? s) => string.IsNullOrWhiteSpace(s) ? null : s.Trim();
        var origins = u.OriginList.Select(FrameOrigins.Normalize).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
        return await tx.Connection.ExecuteAsync(UpdateSql, new
        {
            Id = merchantId, Name = u.Name!.Trim(), SupportEmail = Blank(u.SupportEmail), LogoUrl = Blank(u.LogoUrl),
            BrandColor = Blank(u.BrandColor)?.ToLowerInvariant(), AllowedOrigins = origins.Count == 0 ? null : string.Join(' ', origins),
            StatementDescriptor = Blank(u.StatementDescriptor),
        }, tx.Transaction) == 1;
    }
}
