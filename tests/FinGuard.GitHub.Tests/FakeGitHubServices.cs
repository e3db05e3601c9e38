using System.Security.Cryptography;
using FinGuard.Testing.FakeGitHub;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace FinGuard.GitHub.Tests;

/// <summary>The real GitHub registration (auth, resilience, paging, caching) pointed at a loopback fake GitHub.</summary>
internal static class FakeGitHubServices
{
    /// <summary>
    /// Services for App 4242 with a fresh private key, talking to <paramref name="github"/>; <paramref name="time"/>
    /// replaces the system clock, <paramref name="settings"/> adds or overrides configuration keys.
    /// </summary>
    public static ServiceProvider Create(FakeGitHubServer github, TimeProvider? time = null, IReadOnlyDictionary<string, string?>? settings = null)
    {
        ArgumentNullException.ThrowIfNull(github);
        using var rsa = RSA.Create(2048);
        var values = new Dictionary<string, string?>
        {
            ["GitHub:AppId"] = "4242",
            ["GitHub:PrivateKey"] = rsa.ExportRSAPrivateKeyPem(),
            ["GitHub:ApiBaseUrl"] = github.BaseAddress.ToString(),
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        return new ServiceCollection()
            .AddLogging()
            .AddSingleton(time ?? TimeProvider.System)
            .AddFinGuardGitHub(configuration)
            .BuildServiceProvider();
    }
}
