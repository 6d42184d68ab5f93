using System.Data.Common;
using System.Text.RegularExpressions;

namespace PaymentHub.Infrastructure.Database;

/// <summary>
/// Lists in SQL, as Dapper takes them: <c>WHERE id IN @Ids</c>. Dapper expands that into one
/// parameter per value, except on PostgreSQL, where it sends the whole list as one array; there the
/// same condition reads <c>id = ANY(@Ids)</c> (and <c>NOT IN @Ids</c>, <c>id &lt;&gt; ALL(@Ids)</c>).
/// Pass SQL with a list through <see cref="Lists"/> for the connection it runs on.
/// </summary>
public static partial class SqlLists
{
    // Asked as "not SQLite" (the only other database is PostgreSQL): a test for Npgsql's connection type would load
    // the Npgsql assembly on SQLite installations too.
    public static string Lists(this DbConnection connection, string sql) =>
        connection is not Microsoft.Data.Sqlite.SqliteConnection ? In().Replace(NotIn().Replace(sql, "<> ALL(@$1)"), "= ANY(@$1)") : sql;

    [GeneratedRegex(@"\bNOT\s+IN\s+@(\w+)")]
    private static partial Regex NotIn();

    [GeneratedRegex(@"\bIN\s+@(\w+)")]
    private static partial Regex In();
}
