namespace PaymentHub.Infrastructure.Cli;

/// <summary>
/// Who is using a data folder. Every running server holds a shared lock on <c>paymenthub.lock</c>
/// (several servers may share one database); a restore needs it exclusively, so it can't replace
/// the database under a running server. The operating system drops a lock when its process ends,
/// even after kill -9, so there is no stale lock to clean up.
/// </summary>
public sealed class DataFolderLock : IDisposable
{
    private readonly FileStream _file;

    private DataFolderLock(FileStream file) => _file = file;

    public static string PathIn(string dataFolder) => Path.Combine(dataFolder, "paymenthub.lock");

    /// <summary>The lock a server holds while it runs.</summary>
    public static DataFolderLock Shared(string dataFolder) => new(Open(dataFolder, FileShare.ReadWrite));

    /// <summary>The lock a restore needs; null while any server runs on the folder.</summary>
    public static DataFolderLock? TryExclusive(string dataFolder)
    {
        try
        {
            return new DataFolderLock(Open(dataFolder, FileShare.None));
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static FileStream Open(string dataFolder, FileShare share)
    {
        var options = new FileStreamOptions { Mode = FileMode.OpenOrCreate, Access = FileAccess.ReadWrite, Share = share };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = Security.KeysAtRest.OwnerOnlyFile;
        return new FileStream(PathIn(dataFolder), options);
    }

    public void Dispose() => _file.Dispose();
}
