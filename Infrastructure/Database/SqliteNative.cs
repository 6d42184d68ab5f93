using System.Runtime.InteropServices;
using System.Text;

namespace PaymentHub.Infrastructure.Database;

/// <summary>
/// The few SQLite calls the hot statements make per value — bind one, step, read one column — declared
/// on the statement's raw pointer. SQLitePCL declares them on its <c>sqlite3_stmt</c> handle, so every
/// call counts a reference up and down on it (two interlocked operations), and its text calls encode
/// or decode through an intermediate array: about 4 % of a GET's CPU for its ~60 calls. The library is
/// the one SQLitePCL loaded (same name, same probing). Callers own the statement: they keep its
/// handle alive, and never call these after it is finalized.
/// </summary>
internal static class SqliteNative
{
    private const string Library = "e_sqlite3";

    /// <summary>SQLite copies the bound value before the bind call returns.</summary>
    private static readonly nint Transient = -1;

    // Column reads are short and never block or call back into .NET, so they skip the GC transition;
    // binds keep it (a misused bind reports through SQLite's log, which may call back), and stepping
    // can wait on the disk.
    [DllImport(Library, EntryPoint = "sqlite3_step")]
    public static extern int Step(nint statement);

    [DllImport(Library, EntryPoint = "sqlite3_column_type"), SuppressGCTransition]
    public static extern int ColumnType(nint statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_int64"), SuppressGCTransition]
    public static extern long ColumnInt64(nint statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_double"), SuppressGCTransition]
    public static extern double ColumnDouble(nint statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_text"), SuppressGCTransition]
    private static extern nint ColumnTextPointer(nint statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_blob"), SuppressGCTransition]
    private static extern nint ColumnBlobPointer(nint statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_column_bytes"), SuppressGCTransition]
    private static extern int ColumnBytes(nint statement, int column);

    [DllImport(Library, EntryPoint = "sqlite3_bind_null")]
    public static extern int BindNull(nint statement, int index);

    [DllImport(Library, EntryPoint = "sqlite3_bind_int64")]
    public static extern int BindInt64(nint statement, int index, long value);

    [DllImport(Library, EntryPoint = "sqlite3_bind_text")]
    private static extern int BindText(nint statement, int index, ref byte utf8, int length, nint destructor);

    [DllImport(Library, EntryPoint = "sqlite3_bind_blob")]
    private static extern int BindBlob(nint statement, int index, ref byte bytes, int length, nint destructor);

    /// <summary>A text column, or null when it is NULL. The pointer is asked for before the length, as SQLite requires.</summary>
    public static string? ColumnText(nint statement, int column)
    {
        var text = ColumnTextPointer(statement, column);
        return text == 0 ? null : Marshal.PtrToStringUTF8(text, ColumnBytes(statement, column));
    }

    /// <summary>A blob column's bytes (empty for a zero-length blob, which SQLite gives as a null pointer).</summary>
    public static byte[] ColumnBlob(nint statement, int column)
    {
        var blob = ColumnBlobPointer(statement, column);
        var bytes = new byte[blob == 0 ? 0 : ColumnBytes(statement, column)];
        if (bytes.Length > 0) Marshal.Copy(blob, bytes, 0, bytes.Length);
        return bytes;
    }

    /// <summary>Binds text as UTF-8, encoded on the stack when it is short.</summary>
    public static int BindText(nint statement, int index, string text)
    {
        var most = Encoding.UTF8.GetMaxByteCount(text.Length);
        byte[]? rented = null;
        // Never empty (an empty string takes the stack), so the pointer passed is always a valid address:
        // SQLite binds a null pointer as NULL, not as empty text.
        Span<byte> buffer = most < 512 ? stackalloc byte[512] : (rented = System.Buffers.ArrayPool<byte>.Shared.Rent(most));
        try
        {
            var length = Encoding.UTF8.GetBytes(text, buffer);
            return BindText(statement, index, ref MemoryMarshal.GetReference(buffer), length, Transient);
        }
        finally
        {
            if (rented is not null) System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        }
    }

    public static int BindBlob(nint statement, int index, byte[] bytes)
    {
        // A zero-length blob is bound from a valid address too: a null pointer would bind NULL.
        Span<byte> empty = stackalloc byte[1];
        return bytes.Length == 0
            ? BindBlob(statement, index, ref MemoryMarshal.GetReference(empty), 0, Transient)
            : BindBlob(statement, index, ref MemoryMarshal.GetArrayDataReference(bytes), bytes.Length, Transient);
    }
}
