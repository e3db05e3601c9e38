using Azure;
using Azure.Data.Tables;
using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Azure;

/// <summary>Chain heads in the <c>EvidenceChains</c> table (one row per chain), replaced only with a matching ETag.</summary>
internal sealed class AzureEvidenceChainHeads(AzureStorageClients clients, string tableName) : IEvidenceChainHeads
{
    private const string HeadRowKey = "head";

    public async Task<EvidenceChainHead> GetAsync(string chain, CancellationToken cancellationToken)
    {
        var table = await clients.TableAsync(tableName, cancellationToken, "evidence chain-head");
        var row = await table.GetEntityIfExistsAsync<TableEntity>(TableKeys.Chain(chain), HeadRowKey, cancellationToken: cancellationToken);
        if (!row.HasValue || row.Value is null)
        {
            return EvidenceChainHead.Empty;
        }

        var entity = row.Value;
        return new EvidenceChainHead(entity.GetInt64("Sequence") ?? 0, entity.GetString("Sha256"), entity.ETag.ToString());
    }

    public async Task<bool> TryReplaceAsync(string chain, EvidenceChainHead expected, long sequence, string sha256, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(expected);
        var table = await clients.TableAsync(tableName, cancellationToken, "evidence chain-head");
        var entity = new TableEntity(TableKeys.Chain(chain), HeadRowKey)
        {
            ["Sequence"] = sequence,
            ["Sha256"] = sha256,
        };

        try
        {
            if (expected.Version is null)
            {
                await table.AddEntityAsync(entity, cancellationToken);
            }
            else
            {
                await table.UpdateEntityAsync(entity, new ETag(expected.Version), TableUpdateMode.Replace, cancellationToken);
            }

            return true;
        }
        catch (RequestFailedException ex) when (ex.Status is 409 or 412)
        {
            return false;
        }
    }
}
