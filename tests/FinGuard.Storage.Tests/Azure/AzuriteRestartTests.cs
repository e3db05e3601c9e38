using FinGuard.Storage.Tests.Evidence;
using FinGuard.Testing.Azurite;

namespace FinGuard.Storage.Tests.Azure;

/// <summary>The fixture's restart keeps data and ports, so fault tests can take storage away and bring it back.</summary>
[Collection(AzuriteFixture.CollectionName)]
public sealed class AzuriteRestartTests(AzuriteFixture azurite)
{
    [Fact]
    public async Task After_a_restart_the_chain_is_still_there_and_continues()
    {
        var options = TestStorage.NewAzureOptions(azurite);
        var chain = EvidenceRecords.NewChain();
        using (var before = TestStorage.NewAzureBackend(options))
        {
            await before.Evidence.AppendAsync(EvidenceRecords.Create(chain, 1), default);
        }

        var connectionString = azurite.ConnectionString;
        await azurite.StopAsync();
        Assert.False(azurite.IsRunning);
        await azurite.StartAsync();

        Assert.Equal(connectionString, azurite.ConnectionString);
        using var after = TestStorage.NewAzureBackend(options);
        var second = await after.Evidence.AppendAsync(EvidenceRecords.Create(chain, 2), default);
        Assert.Equal(2, second.Sequence);
        Assert.Equal([1L, 2L], (await after.Evidence.ListAsync(chain, default).ToListAsync()).Select(r => r.Sequence));
    }
}
