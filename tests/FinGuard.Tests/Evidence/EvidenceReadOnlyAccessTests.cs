using Azure;
using Azure.Data.Tables;
using Azure.Storage;
using Azure.Storage.Blobs;
using Azure.Storage.Sas;
using FinGuard.Core.Evidence;
using FinGuard.Storage;
using FinGuard.Testing.Azurite;
using FinGuard.Testing.Scenarios;
using FinGuard.Tests.EndToEnd;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// An auditor's <c>finguard evidence export</c> and <c>verify --live</c> read Azure with read-only rights (Storage Blob
/// Data Reader, Storage Table Data Reader): they never create a container or table. On Azurite the read-only identity is
/// an account SAS with only read and list permissions, which Azurite enforces (creating a container with it is a 403).
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class EvidenceReadOnlyAccessTests(AzuriteFixture azurite) : IDisposable
{
    private static readonly DateTimeOffset DecidedAt = new(2026, 3, 9, 14, 0, 0, TimeSpan.Zero);

    private readonly string work = TempDirectory.Create();
    private readonly string container = $"ev-{Guid.NewGuid():N}"[..20];
    private readonly string tablePrefix = $"t{Guid.NewGuid():N}"[..20];
    private readonly string repo = $"ledger-{Guid.NewGuid():N}"[..16];

    public void Dispose() => TempDirectory.Delete(work);

    [Fact]
    public async Task Export_and_live_verify_read_a_store_written_by_the_server_with_read_and_list_rights_only()
    {
        var chain = $"octo-bank/{repo}";
        await using (var writer = Writer())
        {
            var store = writer.GetRequiredService<IEvidenceStore>();
            var failing = new PullRequestScenario("octo-bank", repo, 7).WithCommit(verified: false, reason: "unsigned").WithTwoIndependentApprovals();
            var passing = new PullRequestScenario("octo-bank", repo, 8).WithCommit(verified: true).WithTwoIndependentApprovals();
            await store.AppendAsync(EvidenceTestStore.Decide(failing, DecidedAt), CancellationToken.None);
            await store.AppendAsync(EvidenceTestStore.Decide(passing, DecidedAt.AddMinutes(5)), CancellationToken.None);
        }

        var readOnly = ReadOnlyConnectionString();
        var denied = await Assert.ThrowsAsync<RequestFailedException>(
            () => new BlobServiceClient(readOnly).GetBlobContainerClient($"ro-{Guid.NewGuid():N}"[..20]).CreateIfNotExistsAsync());
        Assert.Equal(403, denied.Status);

        var bundle = Path.Combine(work, "bundle.zip");
        var export = await EvidenceCli.RunAsync(["export", "--repo", chain, "--out", bundle, .. Switches(readOnly, container)]);
        Assert.True(export.Exit == 0, export.Stdout + export.Stderr);
        Assert.Contains($"Exported 2 record(s) of {chain} (records 1–2)", export.Stdout, StringComparison.Ordinal);
        Assert.Contains($"from Azure Blob container '{container}'", export.Stdout, StringComparison.Ordinal);

        var verify = await EvidenceCli.RunAsync("verify", bundle);
        Assert.True(verify.Exit == 0, verify.Stdout + verify.Stderr);

        var live = await EvidenceCli.RunAsync(["verify", "--live", "--repo", chain, .. Switches(readOnly, container)]);
        Assert.True(live.Exit == 0, live.Stdout + live.Stderr);
        Assert.Contains("INTACT", live.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_read_path_never_creates_a_missing_container_or_table_and_says_which_container_is_missing()
    {
        // The full-rights connection string: the old read path would have created the container and the tables with it.
        var export = await EvidenceCli.RunAsync(["export", "--repo", $"octo-bank/{repo}", "--out", Path.Combine(work, "bundle.zip"), .. Switches(azurite.ConnectionString, container)]);

        Assert.Equal(2, export.Exit);
        Assert.StartsWith($"finguard evidence export: evidence container '{container}' does not exist in ", export.Stderr, StringComparison.Ordinal);
        Assert.Contains("never creates it", export.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("   at ", export.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(AzuriteFixture.AccountKey, export.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(work, "bundle.zip")));

        var live = await EvidenceCli.RunAsync(["verify", "--live", "--repo", $"octo-bank/{repo}", .. Switches(azurite.ConnectionString, container)]);
        Assert.Equal(2, live.Exit);
        Assert.Contains($"evidence container '{container}' does not exist", live.Stderr, StringComparison.Ordinal);

        Assert.False((await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(container).ExistsAsync()).Value);
        var tables = await TablesOfThisTestAsync();
        Assert.Empty(tables);
    }

    [Fact]
    public async Task With_the_container_present_a_missing_index_table_is_named_and_not_created()
    {
        await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(container).CreateAsync();

        var export = await EvidenceCli.RunAsync(["export", "--repo", $"octo-bank/{repo}", "--out", Path.Combine(work, "bundle.zip"), .. Switches(azurite.ConnectionString, container)]);

        Assert.Equal(2, export.Exit);
        Assert.StartsWith($"finguard evidence export: evidence index table '{tablePrefix}EvidenceIndex' does not exist in ", export.Stderr, StringComparison.Ordinal);
        var tables = await TablesOfThisTestAsync();
        Assert.Empty(tables);
    }

    private async Task<List<string>> TablesOfThisTestAsync() =>
        await new TableServiceClient(azurite.ConnectionString)
            .QueryAsync(filter: $"TableName ge '{tablePrefix}' and TableName lt '{tablePrefix}~'")
            .Select(t => t.Name)
            .ToListAsync();

    private string[] Switches(string connectionString, string evidenceContainer) =>
    [
        $"--Storage:ConnectionString={connectionString}",
        $"--Storage:EvidenceContainer={evidenceContainer}",
        $"--Storage:TablePrefix={tablePrefix}",
    ];

    /// <summary>The server's storage (read-write, creates what it needs) on the test's container and tables.</summary>
    private ServiceProvider Writer()
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Storage:ConnectionString"] = azurite.ConnectionString,
                ["Storage:EvidenceContainer"] = container,
                ["Storage:TablePrefix"] = tablePrefix,
            })
            .Build();
        return new ServiceCollection().AddLogging().AddFinGuardStorage(configuration).BuildServiceProvider();
    }

    /// <summary>Blob and Table endpoints with an account SAS that allows only read and list.</summary>
    private string ReadOnlyConnectionString()
    {
        var sas = new AccountSasBuilder(
            AccountSasPermissions.Read | AccountSasPermissions.List,
            TimeProvider.System.GetUtcNow().AddHours(1),
            AccountSasServices.Blobs | AccountSasServices.Tables,
            AccountSasResourceTypes.Service | AccountSasResourceTypes.Container | AccountSasResourceTypes.Object)
        {
            Protocol = SasProtocol.HttpsAndHttp,
        }.ToSasQueryParameters(new StorageSharedKeyCredential(AzuriteFixture.AccountName, AzuriteFixture.AccountKey)).ToString();
        var endpoints = azurite.ConnectionString.Split(';', StringSplitOptions.RemoveEmptyEntries)
            .Where(p => p.StartsWith("BlobEndpoint=", StringComparison.Ordinal) || p.StartsWith("TableEndpoint=", StringComparison.Ordinal));
        return string.Join(';', endpoints) + ";SharedAccessSignature=" + sas;
    }
}
