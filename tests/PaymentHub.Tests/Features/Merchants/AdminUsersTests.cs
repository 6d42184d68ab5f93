using System.Security.Cryptography;
using Dapper;
using Microsoft.Extensions.DependencyInjection;
using PaymentHub.Features.Merchants;
using PaymentHub.Tests.Infrastructure;

namespace PaymentHub.Tests.Features.Merchants;

/// <summary>Admin users' passwords and lockout, below the sign-in page.</summary>
public sealed class AdminUsersTests(PaymentHubFactory app) : IClassFixture<PaymentHubFactory>
{
    private const string BootstrapPassword = "admin-password-for-tests";

    private AdminUsers Users
    {
        get
        {
            app.CreateClient(); // starts the app: migrations and the first admin
            return app.Services.GetRequiredService<AdminUsers>();
        }
    }

    private async Task<string> NewUserAsync(string role = AdminRoles.Admin, string password = "a-long-password")
    {
        var name = "user-" + Guid.NewGuid().ToString("N")[..8];
        Assert.True(await Users.CreateAsync(name, password, role, default));
        return name;
    }

    [Fact]
    public async Task Bootstrap_StoresTheAdminPassword_InPasswordHashersFormat()
    {
        var users = Users;
        var hash = app.Scalar<string>("SELECT password_hash FROM admin_users WHERE username = 'admin'");

        Assert.DoesNotContain(BootstrapPassword, hash);
        Assert.Equal(0x01, Convert.FromBase64String(hash)[0]); // PasswordHasher's version 3 marker
        var signIn = await users.SignInAsync("admin", BootstrapPassword, default);
        Assert.Equal(AdminRoles.Admin, signIn?.Role);
    }

    [Fact]
    public async Task SignIn_IgnoresCaseAndSpacesOfTheName_AndRefusesAWrongPassword()
    {
        var name = await NewUserAsync();

        Assert.NotNull(await Users.SignInAsync($" {name.ToUpperInvariant()} ", "a-long-password", default));
        Assert.Null(await Users.SignInAsync(name, "A-long-password", default));
        Assert.Null(await Users.SignInAsync("nobody-" + name, "a-long-password", default));
    }

    [Fact]
    public async Task FiveFailures_LockTheAccountFor15Minutes_EvenForTheRightPassword()
    {
        var name = await NewUserAsync();
        for (var i = 0; i < AdminUsers.MaxFailures; i++) Assert.Null(await Users.SignInAsync(name, "wrong", default));

        Assert.Null(await Users.SignInAsync(name, "a-long-password", default));
        app.Clock.Advance(AdminUsers.LockoutPeriod - TimeSpan.FromSeconds(1));
        Assert.Null(await Users.SignInAsync(name, "a-long-password", default));
        app.Clock.Advance(TimeSpan.FromSeconds(2));
        Assert.NotNull(await Users.SignInAsync(name, "a-long-password", default));
    }

    [Fact]
    public async Task ASuccess_ResetsTheCountOfFailures()
    {
        var name = await NewUserAsync();
        for (var i = 0; i < AdminUsers.MaxFailures - 1; i++) await Users.SignInAsync(name, "wrong", default);
        Assert.NotNull(await Users.SignInAsync(name, "a-long-password", default));

        for (var i = 0; i < AdminUsers.MaxFailures - 1; i++) await Users.SignInAsync(name, "wrong", default);
        Assert.NotNull(await Users.SignInAsync(name, "a-long-password", default));
    }

    [Fact]
    public async Task AnOldPbkdf2Hash_IsAcceptedOnce_AndReplacedByPasswordHashersFormat()
    {
        var name = await NewUserAsync();
        var salt = RandomNumberGenerator.GetBytes(16);
        var legacy = "pbkdf2-sha512$1000$" + Convert.ToBase64String(salt) + "$" +
                     Convert.ToBase64String(Rfc2898DeriveBytes.Pbkdf2("old-password", salt, 1000, HashAlgorithmName.SHA512, 32));
        await app.WriteAsync(tx => tx.Connection.ExecuteAsync("UPDATE admin_users SET password_hash = @legacy WHERE username = @name",
            new { legacy, name }, tx.Transaction));

        Assert.Null(await Users.SignInAsync(name, "wrong-password", default));
        var first = await Users.SignInAsync(name, "old-password", default);

        Assert.NotNull(first);
        var stored = app.Scalar<string>("SELECT password_hash FROM admin_users WHERE username = @name", new { name });
        Assert.DoesNotContain("pbkdf2", stored);
        Assert.NotNull(await Users.SignInAsync(name, "old-password", default));
    }

    [Fact]
    public async Task ANewPassword_ChangesTheStamp_AndLiftsALockout()
    {
        var name = await NewUserAsync();
        var before = await Users.SignInAsync(name, "a-long-password", default);
        for (var i = 0; i < AdminUsers.MaxFailures; i++) await Users.SignInAsync(name, "wrong", default);

        Assert.True(await Users.SetPasswordAsync(name, "another-long-password", default));

        var after = await Users.SignInAsync(name, "another-long-password", default);
        Assert.NotNull(after);
        Assert.NotEqual(before!.Stamp, after.Stamp);
        Assert.Equal(after.Stamp, (await Users.CurrentAsync(after.UserId, default))!.Stamp);
    }

    [Fact]
    public async Task TheLastAdmin_CannotBeDeleted()
    {
        var users = Users;
        var admins = (await users.ListAsync(default)).Where(u => u.Role == AdminRoles.Admin).ToList();
        foreach (var extra in admins.Where(u => u.Username != "admin")) await users.DeleteAsync(extra.Id, default);
        var admin = (await users.ListAsync(default)).Single(u => u.Username == "admin");

        Assert.False(await users.DeleteAsync(admin.Id, default));
        var viewer = await NewUserAsync(AdminRoles.Viewer);
        Assert.True(await users.DeleteAsync((await users.ListAsync(default)).Single(u => u.Username == viewer).Id, default));
    }
}
