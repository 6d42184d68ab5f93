using System.Globalization;
using FluentValidation;

namespace PaymentHub.Infrastructure.Http;

/// <summary>A page of a listing: its items, the page number and size asked for, and how many match in all.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PerPage, long Total);

/// <summary>A query string with <c>page</c> (from 1) and <c>per_page</c> (1..100, default 10).</summary>
public interface IPagedQuery
{
    string? Page { get; }
    string? PerPage { get; }
}

public readonly record struct Paging(int Page, int PerPage)
{
    public const int DefaultPerPage = 10;
    public const int MaxPerPage = 100;
    private const int MaxPage = 1_000_000;

    public int Offset => (Page - 1) * PerPage;

    /// <summary>The page a validated query asks for.</summary>
    public static Paging Of(IPagedQuery query) => new(
        query.Page is null ? 1 : int.Parse(query.Page, CultureInfo.InvariantCulture),
        query.PerPage is null ? DefaultPerPage : int.Parse(query.PerPage, CultureInfo.InvariantCulture));

    internal static bool IsPage(string? page) => page is null || (int.TryParse(page, NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p is >= 1 and <= MaxPage);

    internal static bool IsPerPage(string? perPage) => perPage is null || (int.TryParse(perPage, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n is >= 1 and <= MaxPerPage);
}

public static class PagingRules
{
    /// <summary>The page and per_page rules of every listing, for a query's validator.</summary>
    public static void RulesForPaging<T>(this AbstractValidator<T> validator) where T : IPagedQuery
    {
        validator.RuleFor(q => q.Page).Must(Paging.IsPage).WithMessage("The page must be an integer of at least 1.");
        validator.RuleFor(q => q.PerPage).Must(Paging.IsPerPage).WithMessage($"The per page must be an integer between 1 and {Paging.MaxPerPage}.");
    }
}
