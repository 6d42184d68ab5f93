namespace PaymentHub.Tests.Infrastructure;

/// <summary>The server process itself: what it says and how it exits when it cannot start.</summary>
public sealed class StartUpTests
{
    [Fact]
    public async Task AnAddressInUse_StopsStartUpWithAClearMessage_NotACrash()
    {
        var data = Directory.CreateTempSubdirectory("paymenthub-port-").FullName;
        using var taken = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        taken.Start();
        var url = $"http://127.0.0.1:{((System.Net.IPEndPoint)taken.LocalEndpoint).Port}";
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "--urls", url])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                Environment = { ["PAYMENTHUB_DATA"] = data, ["Logging__LogLevel__Default"] = "None" },
            };
            using var process = System.Diagnostics.Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);

            Assert.Equal(1, process.ExitCode);
            Assert.Equal($"PaymentHub did not start: Failed to bind to address {url}: address already in use.", (await stderr).Trim());
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }

    [Theory]
    [InlineData("unset", "PaymentHub did not start: PAYMENTHUB_DATABASE is not a PostgreSQL connection string (")]
    [InlineData("Database=paymenthub;Username=paymenthub", "PaymentHub did not start: PAYMENTHUB_DATABASE names no Host.")]
    public async Task AMistypedDatabaseSetting_StopsStartUpWithAClearMessage_NotAStackTrace(string setting, string said)
    {
        var data = Directory.CreateTempSubdirectory("paymenthub-database-").FullName;
        try
        {
            var start = new System.Diagnostics.ProcessStartInfo("dotnet", [typeof(Program).Assembly.Location, "--urls", "http://127.0.0.1:0"])
            {
                RedirectStandardError = true,
                RedirectStandardOutput = true,
                Environment = { ["PAYMENTHUB_DATA"] = data, ["PAYMENTHUB_DATABASE"] = setting, ["Logging__LogLevel__Default"] = "None" },
            };
            using var process = System.Diagnostics.Process.Start(start)!;
            var stderr = process.StandardError.ReadToEndAsync();
            _ = process.StandardOutput.ReadToEndAsync();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await process.WaitForExitAsync(timeout.Token);

            var message = (await stderr).Trim();
            Assert.Equal(1, process.ExitCode);
            Assert.StartsWith(said, message);
            Assert.DoesNotContain("\n", message);
            Assert.DoesNotContain("   at ", message);
        }
        finally
        {
            Directory.Delete(data, recursive: true);
        }
    }
}
