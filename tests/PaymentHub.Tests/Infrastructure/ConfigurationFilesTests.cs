using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace PaymentHub.Tests.Infrastructure;

/// <summary>
/// appsettings*.json are read at start and not watched: watching them watches the whole working
/// directory, subfolders included, where the data folder is by default, so every write to the
/// database woke the watcher.
/// </summary>
public sealed class ConfigurationFilesTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    [Fact]
    public void SettingsFiles_AreRead_ButNotWatched()
    {
        var configuration = (IConfigurationRoot)app.Services.GetRequiredService<IConfiguration>();
        var files = configuration.Providers.OfType<FileConfigurationProvider>().ToList();

        Assert.Contains(files, f => f.Source.Path == "appsettings.json");
        Assert.All(files, f => Assert.False(f.Source.ReloadOnChange, $"{f.Source.Path} is watched for changes"));
    }
}
