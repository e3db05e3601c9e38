using System.Globalization;
using System.Runtime.CompilerServices;
using Azure.Data.Tables;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Evidence;

namespace FinGuard.Storage.Azure;

/// <summary>
/// Index rows in two tables, both partitioned by chain: <c>EvidenceIndex</c> keyed by sequence (<c>D12</c>, so
/// key order is sequence order), and <c>EvidenceBySha</c> keyed by <c>{headSha}_{sequence:D12}</c> so that all
/// decisions about one head SHA are one range query. Both rows carry every field; both writes are idempotent upserts.
/// </summary>
internal sealed class AzureEvidenceIndex(AzureStorageClients clients, AzureStorageNames names) : IEvidenceIndex
{
    public async Task UpsertAsync(EvidenceIndexEntry entry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var index = await clients.TableAsync(names.EvidenceIndexTable, cancellationToken, "evidence index");
        var bySha = await clients.TableAsync(names.EvidenceByShaTable, cancellationToken, "evidence index (by SHA)");
        var partition = TableKeys.Chain(entry.Chain);
        var sequence = TableKeys.Sequence(entry.Sequence);
        await bySha.UpsertEntityAsync(ToEntity(entry, partition, $"{TableKeys.HeadSha(entry.HeadSha)}_{sequence}"), TableUpdateMode.Replace, cancellationToken);
        await index.UpsertEntityAsync(ToEntity(entry, partition, sequence), TableUpdateMode.Replace, cancellationToken);
    }

    public async IAsyncEnumerable<EvidenceIndexEntry> ListAsync(string chain, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var index = await clients.TableAsync(names.EvidenceIndexTable, cancellationToken, "evidence index");
        var partition = TableKeys.Chain(chain);
        // Table storage returns a partition in row-key order, i.e. sequence order.
        await foreach (var entity in index.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken: cancellationToken))
        {
            yield return FromEntity(entity, chain);
        }
    }

    public async Task<IReadOnlyList<EvidenceIndexEntry>> FindByHeadShaAsync(string chain, string headSha, CancellationToken cancellationToken)
    {
        var bySha = await clients.TableAsync(names.EvidenceByShaTable, cancellationToken, "evidence index (by SHA)");
        var partition = TableKeys.Chain(chain);
        var prefix = TableKeys.HeadSha(headSha) + "_";
        var end = TableKeys.HeadSha(headSha) + "`"; // '`' follows '_' in ordinal order
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {partition} and RowKey ge {prefix} and RowKey lt {end}");
        var matches = new List<EvidenceIndexEntry>();
        await foreach (var entity in bySha.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            var entry = FromEntity(entity, chain);
            if (string.Equals(entry.HeadSha, headSha, StringComparison.OrdinalIgnoreCase))
            {
                matches.Add(entry);
            }
        }

        matches.Sort((a, b) => b.Sequence.CompareTo(a.Sequence));
        return matches;
    }

    public async IAsyncEnumerable<EvidenceIndexEntry> ListLookupRowsAsync(string chain, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        var bySha = await clients.TableAsync(names.EvidenceByShaTable, cancellationToken, "evidence index (by SHA)");
        var partition = TableKeys.Chain(chain);
        await foreach (var entity in bySha.QueryAsync<TableEntity>(TableClient.CreateQueryFilter($"PartitionKey eq {partition}"), cancellationToken: cancellationToken))
        {
            yield return FromEntity(entity, chain);
        }
    }

    private static TableEntity ToEntity(EvidenceIndexEntry entry, string partitionKey, string rowKey)
    {
        var entity = new TableEntity(partitionKey, rowKey)
        {
            ["Sequence"] = entry.Sequence,
            ["EventId"] = entry.EventId,
            ["SubjectType"] = entry.SubjectType,
            ["HeadSha"] = entry.HeadSha,
            // 'Timestamp' is the table's own property; the decision time is kept exactly, as round-trip text.
            ["DecidedAt"] = entry.Timestamp.ToString("O", CultureInfo.InvariantCulture),
            ["Verdict"] = entry.Verdict,
            ["DeliveryId"] = entry.DeliveryId,
            ["BlobName"] = entry.BlobName,
            ["Sha256"] = entry.Sha256,
        };
        if (entry.PullRequest is { } pullRequest)
        {
            entity["PullRequest"] = pullRequest;
        }

        return entity;
    }

    private static EvidenceIndexEntry FromEntity(TableEntity entity, string chain) => new(
        chain,
        entity.GetInt64("Sequence") ?? throw Missing(entity, "Sequence"),
        entity.GetString("EventId"),
        entity.GetString("SubjectType"),
        entity.GetInt32("PullRequest"),
        entity.GetString("HeadSha"),
        DateTimeOffset.Parse(entity.GetString("DecidedAt") ?? throw Missing(entity, "DecidedAt"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind),
        entity.GetString("Verdict"),
        entity.GetString("DeliveryId"),
        entity.GetString("BlobName"),
        entity.GetString("Sha256"));

    private static InvalidDataException Missing(TableEntity entity, string property) =>
        new($"Evidence index row {entity.PartitionKey}/{entity.RowKey} has no {property}.");
}
