using System.Security.Cryptography.X509Certificates;
using System.Xml.Linq;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.KeyManagement.Internal;
using Microsoft.AspNetCore.DataProtection.Repositories;

namespace PaymentHub.Infrastructure.Security;

/// <summary>
/// The data folder holds the database (customers' names and emails, stored-card tokens) and the
/// Data Protection key ring that decrypts gateway keys and webhook secrets. On Unix it is created
/// readable by its owner only (0700), and the files PaymentHub creates in it are 0600.
/// </summary>
public static class KeysAtRest
{
    private const UnixFileMode OwnerOnlyFolder = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    internal const UnixFileMode OwnerOnlyFile = UnixFileMode.UserRead | UnixFileMode.UserWrite;

    /// <summary>Creates the folder (0700) when missing; an existing folder keeps the mode its operator gave it.</summary>
    public static void EnsurePrivateFolder(string path)
    {
        if (Directory.Exists(path)) return;
        if (OperatingSystem.IsWindows()) Directory.CreateDirectory(path);
        else Directory.CreateDirectory(path, OwnerOnlyFolder);
    }

    /// <summary>
    /// Creates an empty database file (0600) when missing, before SQLite opens it: SQLite gives its
    /// -wal and -shm files the database file's mode, so they are private too.
    /// </summary>
    public static void EnsurePrivateDatabaseFile(string path)
    {
        if (File.Exists(path)) return;
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows()) options.UnixCreateMode = OwnerOnlyFile;
        try
        {
            using var _ = new FileStream(path, options);
        }
        catch (IOException) when (File.Exists(path))
        {
            // Another process created it first.
        }
    }

    /// <summary>
    /// Data Protection's key ring in <c>{data}/keys</c>, or in <c>PAYMENTHUB_KEYS</c> (a folder several
    /// instances can share), private to the owner; with
    /// <c>PAYMENTHUB_KEY_CERTIFICATE</c> (a PFX file) and <c>PAYMENTHUB_KEY_CERTIFICATE_PASSWORD</c>,
    /// the keys are also encrypted with that certificate, so a copy of the folder alone decrypts nothing.
    /// </summary>
    public static IServiceCollection AddPaymentHubDataProtection(this IServiceCollection services, Settings settings)
    {
        var protection = services.AddDataProtection().SetApplicationName("PaymentHub");
        // Resolved late so the folder comes from the registered Settings (tests point it elsewhere).
        services.AddOptions<KeyManagementOptions>().Configure<Settings, ILoggerFactory>((options, current, loggers) =>
        {
            // The repository creates its folder when built, which may come before the database start-up.
            var keys = current.KeysPath;
            EnsurePrivateFolder(current.DataPath);
            EnsurePrivateFolder(keys);
            options.XmlRepository = new PrivateXmlRepository(new DirectoryInfo(keys), loggers);
        });
        if (settings.KeyCertificatePath is { } pfx)
        {
            if (!File.Exists(pfx))
                throw new ConfigurationException($"PAYMENTHUB_KEY_CERTIFICATE names {pfx}, which does not exist.");
            X509Certificate2 certificate;
            try
            {
                certificate = X509CertificateLoader.LoadPkcs12FromFile(pfx, settings.KeyCertificatePassword, X509KeyStorageFlags.EphemeralKeySet);
            }
            catch (System.Security.Cryptography.CryptographicException ex)
            {
                throw new ConfigurationException(
                    $"PAYMENTHUB_KEY_CERTIFICATE: {pfx} could not be read as a PFX file with PAYMENTHUB_KEY_CERTIFICATE_PASSWORD ({ex.Message}).");
            }
            if (!certificate.HasPrivateKey)
                throw new ConfigurationException($"PAYMENTHUB_KEY_CERTIFICATE: the certificate in {pfx} has no private key, which key encryption needs.");
            protection.ProtectKeysWithCertificate(certificate).UnprotectKeysWithAnyCertificate(certificate);
        }
        return services;
    }

    /// <summary>
    /// Data Protection reads its key ring at every start (a hosted service of its own) so that the first
    /// request that protects something does not wait for it. Most processes have no such request for a
    /// long time: only the checkout's and the panel's forms and cookies and the stored gateway keys and
    /// webhook secrets use it, so an existing key ring is read at that first use (tens of milliseconds,
    /// once), and an idle server keeps the XML reader and the key ring's types out of memory. A folder
    /// with no key yet still gets its key at start: operators copy the keys folder of a first start to
    /// further instances (README, "More than one machine"). Call after every module is registered: they
    /// add Data Protection's hosted service again.
    /// </summary>
    public static IServiceCollection ReadKeyRingAtFirstUse(this IServiceCollection services)
    {
        var dataProtection = typeof(KeyManagementOptions).Assembly;
        foreach (var preload in services.Where(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Assembly == dataProtection).ToList())
            services.Remove(preload);
        services.AddHostedService<FirstKey>();
        return services;
    }

    /// <summary>Creates the key ring's first key at the start on a folder that has none.</summary>
    internal sealed class FirstKey(Settings settings, IKeyRingProvider keyRing, ILogger<FirstKey> logger) : IHostedService
    {
        public Task StartAsync(CancellationToken cancellationToken)
        {
            var folder = settings.KeysPath;
            if (Directory.Exists(folder) && Directory.EnumerateFiles(folder, "key-*.xml").Any()) return Task.CompletedTask;
            try
            {
                keyRing.GetCurrentKeyRing();
            }
            catch (Exception ex)
            {
                // As Data Protection's own start: not fatal here, the first use reports it again.
                logger.LogError(ex, "The Data Protection key ring in {Folder} could not be created", folder);
            }
            return Task.CompletedTask;
        }

        public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    }

    /// <summary>The file key ring, keeping its folder 0700 and its files 0600.</summary>
    private sealed class PrivateXmlRepository(DirectoryInfo directory, ILoggerFactory loggers) : FileSystemXmlRepository(directory, loggers)
    {
        public override void StoreElement(XElement element, string friendlyName)
        {
            base.StoreElement(element, friendlyName);
            if (OperatingSystem.IsWindows()) return;
            foreach (var file in Directory.EnumerateFiles("*.xml"))
                File.SetUnixFileMode(file.FullName, OwnerOnlyFile);
        }
    }
}
