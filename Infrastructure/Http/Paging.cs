namespace PaymentHub.Infrastructure.Http;

/// <summary>A page of a listing: its items, the page number and size asked for, and how many match in all.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int Page, int PerPage, long Total);

/// <summary>page (from 1) and per_page (1..100, default 10) from the query string.</summary>
public readonly record struct Paging(int Page, int PerPage)
{
    public const int DefaultPerPage = 10;
    public const int MaxPerPage = 100;

    public int Offset => (Page - 1) * PerPage;

    /// <summary>Reads page and per_page, adding a message per bad value to <paramref name="errors"/>.</summary>
    public static Paging Read(string? page, string? perPage, IDictionary<string, string[]> errors)
    {
        var p = 1;
        var n = DefaultPerPage;
        if (page is not null && (!int.TryParse(page, out p) || p < 1 || p > 1_000_000))
            errors["page"] = ["The page must be an integer of at least 1."];
        if (perPage is not null && (!int.TryParse(perPage, out n) || n < 1 || n > MaxPerPage))
            errors["per_page"] = [$"The per page must be an integer between 1 and {MaxPerPage}."];
        return new Paging(Math.Max(p, 1), Math.Clamp(n, 1, MaxPerPage));
    }
}
