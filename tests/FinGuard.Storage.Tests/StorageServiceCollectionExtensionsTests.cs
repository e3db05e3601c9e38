using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Testing.Azurite;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FinGuard.Storage.Tests;

[Collection(AzuriteFixture.CollectionName)]
public sealed class StorageServiceCollectionExtensionsTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string _root = TestStorage.NewTempRoot();

    [Fact]
    public async Task Without_azure_settings_the_local_folder_backend_is_used()
    {
        await using var services = Build(new() { ["Storage:LocalPath"] = _root });

        var health = services.GetRequiredService<IStorageHealth>();
        var (ok, detail) = await health.CheckAsync(default);
        var receipt = await services.GetRequiredService<IEvidenceStore>().AppendAsync(Evidence.EvidenceRecords.Create("octo/repo"), default);

        Assert.Equal("local", health.BackendName);
        Assert.True(ok, detail);
        Assert.True(File.Exists(Path.Combine(_root, "evidence", "octo", "repo", "000000000001.json")));
        Assert.Equal(1, receipt.Sequence);
        Assert.Same(services.GetRequiredService<IDeliveryInbox>(), services.GetRequiredService<IDeliveryInbox>());
    }

    [Fact]
    public async Task With_a_connection_string_azure_is_used_and_reported_healthy()
    {
        var options = TestStorage.NewAzureOptions(azurite);
        await using var services = Build(new()
        {
            ["Storage:ConnectionString"] = options.ConnectionString,
            ["Storage:EvidenceContainer"] = options.EvidenceContainer,
            ["Storage:TablePrefix"] = options.TablePrefix,
        });

        var health = services.GetRequiredService<IStorageHealth>();
        var (ok, detail) = await health.CheckAsync(default);

        Assert.Equal("azure", health.BackendName);
        Assert.True(ok, detail);
        Assert.Equal(InboxAcceptOutcome.Accepted, await services.GetRequiredService<IDeliveryInbox>().AcceptAsync(
            new InboundDelivery(Guid.NewGuid().ToString(), "ping", null, null, null, new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), "{}"u8.ToArray()), default));
    }

    [Fact]
    public async Task A_malformed_connection_string_fails_without_echoing_it()
    {
        const string secret = "AccountName=x;AccountKey=c2VjcmV0LWtleS12YWx1ZQ==;NotAValidSetting";
        await using var services = Build(new() { ["Storage:ConnectionString"] = secret });

        var ex = Assert.ThrowsAny<Exception>(() => services.GetRequiredService<IEvidenceStore>());

        for (var e = (Exception?)ex; e is not null; e = e.InnerException)
        {
            Assert.DoesNotContain("c2VjcmV0LWtleS12YWx1ZQ==", e.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Service_uris_select_azure_with_managed_identity()
    {
        await using var services = Build(new()
        {
            ["Storage:BlobServiceUri"] = "https://account.blob.core.windows.net",
            ["Storage:TableServiceUri"] = "https://account.table.core.windows.net",
        });

        Assert.Equal("azure", services.GetRequiredService<IStorageHealth>().BackendName);
        Assert.NotNull(services.GetRequiredService<IEvidenceStore>());
    }

    [Theory]
    [InlineData("Storage:BlobServiceUri", "https://account.blob.core.windows.net")]
    [InlineData("Storage:EvidenceContainer", "Not_A_Container")]
    [InlineData("Storage:TablePrefix", "9starts-with-digit")]
    public async Task Invalid_options_fail_validation(string key, string value)
    {
        await using var services = Build(new() { [key] = value, ["Storage:LocalPath"] = _root });

        Assert.Throws<OptionsValidationException>(() => services.GetRequiredService<IOptions<StorageOptions>>().Value);
    }

    public void Dispose() => TestStorage.DeleteTempRoot(_root);

    private static ServiceProvider Build(Dictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        return new ServiceCollection().AddLogging().AddFinGuardStorage(configuration).BuildServiceProvider(validateScopes: true);
    }
}
