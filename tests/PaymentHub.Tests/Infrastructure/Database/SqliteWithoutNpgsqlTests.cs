using System.Reflection;

namespace PaymentHub.Tests.Infrastructure.Database;

/// <summary>
/// A server on SQLite never loads the Npgsql assemblies. Loading a type loads what its layout needs:
/// its base type, its interfaces and the types of its value-type fields. The server's start loads
/// every public type of PaymentHub (the Razor component scan), so none of these may name an
/// Npgsql type, e.g. an async method's state machine that awaits <c>Task&lt;NpgsqlConnection&gt;</c>
/// keeps a <c>TaskAwaiter&lt;NpgsqlConnection&gt;</c> field. Await ADO.NET's types instead.
/// </summary>
public sealed class SqliteWithoutNpgsqlTests
{
    private static readonly string[] PostgresAssemblies = ["Npgsql", "Hangfire.PostgreSql"];

    [Fact]
    public void NoTypeOfPaymentHub_NeedsNpgsqlToBeLaidOut()
    {
        var offenders = new List<string>();
        foreach (var type in typeof(Program).Assembly.GetTypes())
        {
            if (type.BaseType is { } b && Names(b)) offenders.Add($"{type.FullName}: base {b}");
            offenders.AddRange(type.GetInterfaces().Where(Names).Select(i => $"{type.FullName}: interface {i}"));
            foreach (var field in type.GetFields(BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
                if (field.FieldType.IsValueType && Names(field.FieldType))
                    offenders.Add($"{type.FullName}: field {field.Name} of {field.FieldType}");
        }
        Assert.True(offenders.Count == 0, string.Join(Environment.NewLine, offenders));
    }

    private static bool Names(Type type) =>
        PostgresAssemblies.Contains(type.Assembly.GetName().Name)
        || (type.IsGenericType && type.GetGenericArguments().Any(Names))
        || (type.HasElementType && Names(type.GetElementType()!));
}
