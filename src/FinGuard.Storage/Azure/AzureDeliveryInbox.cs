using System.Globalization;
using Azure;
using Azure.Data.Tables;
using Azure.Storage;
using Azure.Storage.Blobs.Models;
using FinGuard.Core.Deliveries;
using FinGuard.Core.Evidence;
using FinGuard.Storage.Deliveries;

namespace FinGuard.Storage.Azure;

/// <summary>
/// The delivery inbox on Azure: one row per delivery in the <c>Deliveries</c> table (row key = lower-cased delivery id,
/// partition <see cref="PartitionOf"/>: one of 256 by a hash of the key) with metadata, state and attempts; the raw body (up to 25 MiB, so never a table
/// property) in the <c>deliveries</c> container as <c>{key}/{sha256}</c>. Accepting uploads the body first and then
/// adds the row; the add is the atomic dedupe (409 = duplicate). Naming the body by its hash means concurrent
/// accepts of one id never overwrite each other's body, and the row always names the body it was accepted with.
/// Each accept also stores a random token, so that a retried add whose first response was lost (409 on our own
/// row) is still reported as accepted. State changes replace the row with its ETag, retrying on a conflict.
/// <para>
/// Until 2026-12-04 every row was in one partition, <c>delivery</c>. Azure Table storage serves a partition at up to
/// 2,000 entities a second, and a delivery costs about five operations on its row (the duplicate check, the add, the
/// worker's read, and a read and replace per state change), so that one partition capped an installation near 400
/// deliveries a second, below the 500 it is benchmarked for. Rows written then stay where they are: a read or update
/// that misses the row's partition also asks the old one, and so does the duplicate check on accepting while the table
/// holds any old rows (checked once per process).
/// </para>
/// <para>
/// A pending delivery also has a marker row next to its row (same partition, row key <c>pending~{key}</c>), added in
/// the same entity group transaction as the row and deleted once the delivery is completed or has failed for good.
/// The pending sweep reads the markers (one row-key range query per partition) instead of scanning the whole table
/// for <c>State eq 'Pending'</c>, which grew with every delivery ever received. A marker whose delivery is no longer
/// pending (a crash between the row's update and the marker's deletion) is deleted by the sweep that finds it.
/// </para>
/// <para>
/// A delivery that cannot be read back as accepted (its body blob missing or no longer matching its SHA-256, a row
/// property that does not parse) is quarantined by whichever read meets it: its row is copied into the
/// <see cref="QuarantinePartition"/> partition (row key <c>{key}~{time}</c>, with the reason) and only then removed
/// with its marker; the body blob stays where it is. It is reported (<see cref="DeliveryQuarantineLog"/>), holds up
/// nobody, and a redelivery of the same id is accepted as new.
/// </para>
/// </summary>
internal sealed class AzureDeliveryInbox(AzureStorageClients clients, AzureStorageNames names, TimeProvider time, DeliveryQuarantineLog quarantineLog) : IDeliveryInbox
{
    /// <summary>The partition of quarantined rows (no delivery row is ever written there: theirs are <c>d00</c>…<c>dff</c>).</summary>
    internal const string QuarantinePartition = "quarantine";

    /// <summary>Properties a quarantined row adds to the delivery's own.</summary>
    private static readonly string[] QuarantineProperties = ["Reason", "QuarantinedAt", "OriginalPartition", "DeliveryKey"];

    public AzureDeliveryInbox(AzureStorageClients clients, AzureStorageNames names)
        : this(clients, names, TimeProvider.System, DeliveryQuarantineLog.None)
    {
    }

    /// <summary>The one partition of every row written before 2026-12-04.</summary>
    internal const string LegacyPartition = "delivery";

    private const int MaxUpdateAttempts = 8;

    /// <summary>
    /// Row keys of pending markers start with this. Delivery keys are lower-case letters, digits and '-' (see
    /// <see cref="DeliveryKeys"/>), all of which sort before '~', so every marker's key lies in [<c>pending~</c>, <c>pending~~</c>).
    /// </summary>
    internal const string PendingMarkerPrefix = "pending~";

    /// <summary>Partitions queried at once by the pending sweep.</summary>
    private const int SweepParallelism = 16;

    /// <summary>Every partition a row can be in (<see cref="PartitionOf"/>).</summary>
    private static readonly string[] Partitions = [.. Enumerable.Range(0, 256).Select(Partition)];

    /// <summary>Whether the table holds rows in <see cref="LegacyPartition"/>; null until asked (once per process).</summary>
    private bool? _legacyRows;

    /// <summary>
    /// The partition of the row with key <paramref name="key"/>: <c>d</c> and the first byte of the SHA-256 of the key
    /// in hex (<c>d00</c> … <c>dff</c>), so rows spread evenly over 256 partitions whatever the keys look like, and a
    /// key's partition never changes.
    /// </summary>
    internal static string PartitionOf(string key)
    {
        Span<byte> hash = stackalloc byte[32];
        System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key), hash);
        return Partition(hash[0]);
    }

    /// <summary>The row key of the pending marker of the delivery with key <paramref name="key"/>.</summary>
    internal static string MarkerKey(string key) => PendingMarkerPrefix + key;

    private static string Partition(int bucket) => string.Create(CultureInfo.InvariantCulture, $"d{bucket:x2}");

    public async Task<InboxAcceptOutcome> AcceptAsync(InboundDelivery delivery, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        var key = DeliveryKeys.ToKey(delivery.DeliveryId);
        var table = await clients.TableAsync(names.DeliveriesTable, cancellationToken);

        // Cheap check first, so a redelivery does not upload its body again.
        var bodySha = CanonicalJson.Sha256Hex(delivery.Body.Span);
        if (await FindAsync(table, key, ["RowKey", "BodySha256"], alwaysAskLegacy: false, cancellationToken) is { } existing)
        {
            return DuplicateOutcome(existing, bodySha);
        }

        var bodyBlob = $"{key}/{bodySha}";
        await UploadBodyAsync(bodyBlob, delivery.Body, cancellationToken);

        var token = Guid.NewGuid().ToString("N");
        var entity = new TableEntity(PartitionOf(key), key)
        {
            ["DeliveryId"] = delivery.DeliveryId,
            ["Event"] = delivery.Event,
            ["ReceivedAt"] = Format(delivery.ReceivedAt),
            ["BodyBlob"] = bodyBlob,
            ["BodySha256"] = bodySha,
            ["BodyLength"] = (long)delivery.Body.Length,
            ["State"] = nameof(DeliveryState.Pending),
            ["Attempts"] = 0,
            ["AcceptToken"] = token,
        };
        SetIfNotNull(entity, "Action", delivery.Action);
        SetIfNotNull(entity, "Repository", delivery.Repository);
        if (delivery.InstallationId is { } installationId)
        {
            entity["InstallationId"] = installationId;
        }

        try
        {
            // The row and its pending marker together, or neither (an entity group transaction: same partition).
            await table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, entity),
                    new TableTransactionAction(TableTransactionActionType.Add, new TableEntity(entity.PartitionKey, MarkerKey(key))),
                ],
                cancellationToken);
            return InboxAcceptOutcome.Accepted;
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            var winner = await table.GetEntityIfExistsAsync<TableEntity>(entity.PartitionKey, key, select: ["AcceptToken", "BodySha256"], cancellationToken: cancellationToken);
            return winner.HasValue && winner.Value?.GetString("AcceptToken") == token
                ? InboxAcceptOutcome.Accepted
                : winner.HasValue && winner.Value is { } other ? DuplicateOutcome(other, bodySha) : InboxAcceptOutcome.Duplicate;
        }
    }

    /// <summary>Whether the stored row has the body whose SHA-256 is <paramref name="bodySha"/>; a row without one counts as the same.</summary>
    private static InboxAcceptOutcome DuplicateOutcome(TableEntity stored, string bodySha) =>
        stored.GetString("BodySha256") is { Length: > 0 } storedSha && !string.Equals(storedSha, bodySha, StringComparison.OrdinalIgnoreCase)
            ? InboxAcceptOutcome.DuplicateWithDifferentBody
            : InboxAcceptOutcome.Duplicate;

    public async Task<StoredDelivery?> GetAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var key = DeliveryKeys.ToKey(deliveryId);
        var table = await clients.TableAsync(names.DeliveriesTable, cancellationToken);
        if (await FindAsync(table, key, select: null, alwaysAskLegacy: true, cancellationToken) is not { } row)
        {
            return null;
        }

        try
        {
            return await ToStoredAsync(row, cancellationToken);
        }
        catch (Exception ex) when (IsCorrupt(ex))
        {
            await QuarantineCorruptAsync(table, row, key, ex.Message, cancellationToken);
            return null;
        }
    }

    public async Task<PendingDeliveries> ListPendingAsync(CancellationToken cancellationToken)
    {
        var table = await clients.TableAsync(names.DeliveriesTable, cancellationToken);
        var rows = new System.Collections.Concurrent.ConcurrentBag<TableEntity>();
        await Parallel.ForEachAsync(
            Partitions,
            new ParallelOptions { MaxDegreeOfParallelism = SweepParallelism, CancellationToken = cancellationToken },
            async (partition, token) =>
            {
                var markers = TableClient.CreateQueryFilter(
                    $"PartitionKey eq {partition} and RowKey ge {PendingMarkerPrefix} and RowKey lt {PendingMarkerPrefix + "~"}");
                await foreach (var marker in table.QueryAsync<TableEntity>(markers, select: ["PartitionKey", "RowKey"], cancellationToken: token))
                {
                    var key = marker.RowKey[PendingMarkerPrefix.Length..];
                    var row = await table.GetEntityIfExistsAsync<TableEntity>(partition, key, cancellationToken: token);
                    if (row.HasValue && row.Value is { } entity && entity.GetString("State") == nameof(DeliveryState.Pending))
                    {
                        rows.Add(entity);
                    }
                    else
                    {
                        // Its delivery completed or failed for good, and the process stopped before deleting the marker.
                        await DeleteMarkerAsync(table, partition, key, token);
                    }
                }
            });

        if (await HasLegacyRowsAsync(table, cancellationToken))
        {
            // Rows from before the markers: one partition, which nothing adds to any more.
            var legacy = TableClient.CreateQueryFilter($"PartitionKey eq {LegacyPartition} and State eq {nameof(DeliveryState.Pending)}");
            await foreach (var entity in table.QueryAsync<TableEntity>(legacy, cancellationToken: cancellationToken))
            {
                rows.Add(entity);
            }
        }

        var (result, quarantined) = await ReadRowsAsync(table, rows, cancellationToken);
        return new PendingDeliveries(result, quarantined);
    }

    public async Task<IReadOnlyList<StoredDelivery>> ListFailedAsync(CancellationToken cancellationToken)
    {
        // Failed rows have no marker: this reads the whole table, which an operator's listing can afford.
        var table = await clients.TableAsync(names.DeliveriesTable, cancellationToken);
        var rows = new List<TableEntity>();
        var failed = TableClient.CreateQueryFilter($"State eq {nameof(DeliveryState.Failed)}");
        await foreach (var entity in table.QueryAsync<TableEntity>(failed, cancellationToken: cancellationToken))
        {
            if (entity.PartitionKey != QuarantinePartition)
            {
                rows.Add(entity);
            }
        }

        return (await ReadRowsAsync(table, rows, cancellationToken)).Deliveries;
    }

    /// <summary>The rows' deliveries, oldest first; a row that cannot be read back is quarantined instead.</summary>
    private async Task<(List<StoredDelivery> Deliveries, List<QuarantinedDelivery> Quarantined)> ReadRowsAsync(
        TableClient table, IEnumerable<TableEntity> rows, CancellationToken cancellationToken)
    {
        var result = new List<StoredDelivery>();
        var quarantined = new List<QuarantinedDelivery>();
        foreach (var entity in rows.OrderBy(e => TryReceivedAt(e) ?? DateTimeOffset.MinValue).ThenBy(e => e.RowKey, StringComparer.Ordinal))
        {
            try
            {
                result.Add(await ToStoredAsync(entity, cancellationToken));
            }
            catch (Exception ex) when (IsCorrupt(ex))
            {
                if (await QuarantineCorruptAsync(table, entity, entity.RowKey, ex.Message, cancellationToken) is { } entry)
                {
                    quarantined.Add(entry);
                }
            }
        }

        return (result, quarantined);
    }

    /// <summary>What reading a row and its body throws when they are not as accepted (not a storage outage).</summary>
    private static bool IsCorrupt(Exception ex) => ex is InvalidDataException or FormatException or ArgumentException or InvalidOperationException;

    public async Task<QuarantinedDelivery?> QuarantineAsync(string deliveryId, string reason, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reason);
        var key = DeliveryKeys.ToKey(deliveryId);
        var table = await clients.TableAsync(names.DeliveriesTable, cancellationToken);
        if (await FindAsync(table, key, select: null, alwaysAskLegacy: true, cancellationToken) is not { } row)
        {
            return null;
        }

        var entry = await MoveAsideAsync(table, row, key, reason, cancellationToken);
        if (entry is not null)
        {
            quarantineLog.ByOperator(entry);
        }

        return entry;
    }

    public async Task<IReadOnlyList<QuarantinedDelivery>> ListQuarantinedAsync(CancellationToken cancellationToken)
    {
        var table = await clients.TableAsync(names.DeliveriesTable, cancellationToken);
        var entries = new List<QuarantinedDelivery>();
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {QuarantinePartition}");
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            entries.Add(ToQuarantined(row));
        }

        return [.. entries.OrderBy(e => e.QuarantinedAt).ThenBy(e => e.DeliveryId, StringComparer.Ordinal)];
    }

    public async Task<DeliveryRetryOutcome> RetryAsync(string deliveryId, CancellationToken cancellationToken)
    {
        var key = DeliveryKeys.ToKey(deliveryId);
        var table = await clients.TableAsync(names.DeliveriesTable, cancellationToken);
        var quarantined = await NewestQuarantinedRowAsync(table, key, cancellationToken);
        if (await FindAsync(table, key, select: null, alwaysAskLegacy: true, cancellationToken) is { } row)
        {
            switch (row.GetString("State"))
            {
                case nameof(DeliveryState.Completed):
                    return DeliveryRetryOutcome.AlreadyCompleted;
                case nameof(DeliveryState.Failed):
                    row["State"] = nameof(DeliveryState.Pending);
                    row["Attempts"] = 0;
                    // The row and its marker together: a marker added alone could be deleted by a sweep that still
                    // reads the row as failed.
                    await table.SubmitTransactionAsync(
                        row.PartitionKey == LegacyPartition
                            ? [new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, row.ETag)]
                            : [
                                new TableTransactionAction(TableTransactionActionType.UpdateReplace, row, row.ETag),
                                new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(row.PartitionKey, MarkerKey(key))),
                            ],
                        cancellationToken);
                    return DeliveryRetryOutcome.MadePending;
                default:
                    return quarantined is null ? DeliveryRetryOutcome.AlreadyPending : DeliveryRetryOutcome.StoredAgain;
            }
        }

        if (quarantined is null)
        {
            return DeliveryRetryOutcome.NotFound;
        }

        var restored = new TableEntity(PartitionOf(key), key);
        foreach (var (name, value) in quarantined)
        {
            if (!IsSystemProperty(name) && !QuarantineProperties.Contains(name))
            {
                restored[name] = value;
            }
        }

        restored["State"] = nameof(DeliveryState.Pending);
        restored["Attempts"] = 0;
        try
        {
            await table.SubmitTransactionAsync(
                [
                    new TableTransactionAction(TableTransactionActionType.Add, restored),
                    new TableTransactionAction(TableTransactionActionType.UpsertReplace, new TableEntity(restored.PartitionKey, MarkerKey(key))),
                ],
                cancellationToken);
        }
        catch (TableTransactionFailedException ex) when (ex.Status == 409)
        {
            return DeliveryRetryOutcome.StoredAgain;
        }

        // The row is back; its quarantine copy described its stay there.
        await table.DeleteEntityAsync(QuarantinePartition, quarantined.RowKey, ETag.All, cancellationToken);
        return DeliveryRetryOutcome.Restored;
    }

    private static async Task<TableEntity?> NewestQuarantinedRowAsync(TableClient table, string key, CancellationToken cancellationToken)
    {
        // Delivery keys sort before '~', so "{key}~" .. "{key}~~" holds this key's rows and no other key's.
        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {QuarantinePartition} and RowKey ge {key + "~"} and RowKey lt {key + "~~"}");
        TableEntity? newest = null;
        await foreach (var row in table.QueryAsync<TableEntity>(filter, cancellationToken: cancellationToken))
        {
            newest = row;
        }

        return newest;
    }

    private async Task<QuarantinedDelivery?> QuarantineCorruptAsync(TableClient table, TableEntity row, string key, string reason, CancellationToken cancellationToken)
    {
        var entry = await MoveAsideAsync(table, row, key, reason, cancellationToken);
        if (entry is not null)
        {
            quarantineLog.Corrupt(entry);
        }

        return entry;
    }

    /// <summary>
    /// Copies <paramref name="row"/> into the quarantine partition, then deletes it and its marker: never the other way
    /// round, so a failure in between leaves the delivery in both places, never in neither. Null when another reader
    /// removed the row first (its copy here is then removed again: the other reader's is the one reported).
    /// </summary>
    private async Task<QuarantinedDelivery?> MoveAsideAsync(TableClient table, TableEntity row, string key, string reason, CancellationToken cancellationToken)
    {
        var at = time.GetUtcNow();
        var copy = new TableEntity(QuarantinePartition, $"{key}~{at.UtcDateTime:yyyyMMdd'T'HHmmssfffffff'Z'}");
        foreach (var (name, value) in row)
        {
            if (!IsSystemProperty(name) && !QuarantineProperties.Contains(name))
            {
                copy[name] = value;
            }
        }

        if (row.GetString("BodyBlob") is { Length: > 0 } bodyBlob)
        {
            // The body moves too: a redelivery of this id names its body by the same hash, and would otherwise find
            // the corrupt blob already there and keep it.
            copy["BodyBlob"] = await MoveBlobAsideAsync(bodyBlob, copy.RowKey, cancellationToken);
        }

        copy["Reason"] = DeliveryKeys.TruncateError(reason);
        copy["QuarantinedAt"] = Format(at);
        copy["OriginalPartition"] = row.PartitionKey;
        copy["DeliveryKey"] = key;
        copy["State"] = "Quarantined";
        await table.UpsertEntityAsync(copy, TableUpdateMode.Replace, cancellationToken);
        try
        {
            await table.DeleteEntityAsync(row.PartitionKey, row.RowKey, ETag.All, cancellationToken);
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            await table.DeleteEntityAsync(QuarantinePartition, copy.RowKey, ETag.All, cancellationToken);
            return null;
        }

        if (row.PartitionKey != LegacyPartition)
        {
            await DeleteMarkerAsync(table, row.PartitionKey, key, cancellationToken);
        }

        return ToQuarantined(copy);
    }

    /// <summary>
    /// Copies the body blob to <c>quarantine/{row key}/{name}</c> and deletes the original once the copy is stored; the
    /// new name, or the old one when there is no blob to move (a missing body is a reason to be quarantined).
    /// </summary>
    private async Task<string> MoveBlobAsideAsync(string blobName, string quarantineRowKey, CancellationToken cancellationToken)
    {
        var container = await clients.ContainerAsync(names.DeliveriesContainer, cancellationToken);
        var original = container.GetBlobClient(blobName);
        BinaryData content;
        try
        {
            content = (await original.DownloadContentAsync(cancellationToken)).Value.Content;
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            return blobName;
        }

        var target = $"{QuarantinePartition}/{quarantineRowKey}/{blobName.Replace('/', '.')}";
        await container.GetBlobClient(target).UploadAsync(content, overwrite: true, cancellationToken);
        await original.DeleteIfExistsAsync(cancellationToken: cancellationToken);
        return target;
    }

    private QuarantinedDelivery ToQuarantined(TableEntity row)
    {
        var key = row.GetString("DeliveryKey") ?? row.RowKey.Split('~')[0];
        var at = DateTimeOffset.TryParse(row.GetString("QuarantinedAt"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var parsed)
            ? parsed
            : row.Timestamp ?? DateTimeOffset.MinValue;
        var location = $"table '{names.DeliveriesTable}' partition '{QuarantinePartition}' row '{row.RowKey}'"
            + (row.GetString("BodyBlob") is { } blob ? $", body blob '{names.DeliveriesContainer}/{blob}'" : "");
        return new QuarantinedDelivery(key, row.GetString("Reason") ?? "(no reason recorded)", at, location);
    }

    private static bool IsSystemProperty(string name) => name is "PartitionKey" or "RowKey" or "Timestamp" or "odata.etag";

    public Task MarkCompletedAsync(string deliveryId, CancellationToken cancellationToken) =>
        UpdateAsync(deliveryId, entity =>
        {
            if (entity.GetString("State") == nameof(DeliveryState.Completed))
            {
                return false;
            }

            entity["State"] = nameof(DeliveryState.Completed);
            return true;
        }, cancellationToken);

    public Task MarkFailedAsync(string deliveryId, string failure, bool permanent, CancellationToken cancellationToken) =>
        UpdateAsync(deliveryId, entity =>
        {
            if (entity.GetString("State") == nameof(DeliveryState.Completed))
            {
                return false;
            }

            entity["State"] = permanent ? nameof(DeliveryState.Failed) : nameof(DeliveryState.Pending);
            entity["Attempts"] = (entity.GetInt32("Attempts") ?? 0) + 1;
            entity["LastError"] = DeliveryKeys.TruncateError(failure) ?? string.Empty;
            return true;
        }, cancellationToken);

    private async Task UpdateAsync(string deliveryId, Func<TableEntity, bool> change, CancellationToken cancellationToken)
    {
        var key = DeliveryKeys.ToKey(deliveryId);
        var table = await clients.TableAsync(names.DeliveriesTable, cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            var entity = await FindAsync(table, key, select: null, alwaysAskLegacy: true, cancellationToken)
                ?? throw new KeyNotFoundException($"Delivery '{key}' is not in the inbox.");
            if (!change(entity))
            {
                return;
            }

            try
            {
                await table.UpdateEntityAsync(entity, entity.ETag, TableUpdateMode.Replace, cancellationToken);
                if (entity.GetString("State") != nameof(DeliveryState.Pending) && entity.PartitionKey != LegacyPartition)
                {
                    await DeleteMarkerAsync(table, entity.PartitionKey, key, cancellationToken);
                }

                return;
            }
            catch (RequestFailedException ex) when (ex.Status == 412 && attempt < MaxUpdateAttempts)
            {
                // Changed by someone else since we read it: read again and reapply, after a short pause that differs
                // per writer (the hash of a fresh GUID), so racing writers stop colliding instead of retrying in step.
                var jitter = (uint)Guid.NewGuid().GetHashCode() % (uint)(10 * attempt);
                await Task.Delay(TimeSpan.FromMilliseconds(1 + jitter), cancellationToken);
            }
        }
    }

    /// <summary>
    /// The row of <paramref name="key"/> in its partition, else in the old one; null when in neither. The old partition
    /// is asked on every miss when <paramref name="alwaysAskLegacy"/> (reading or updating a delivery that should be
    /// there: a miss is rare, and during an upgrade an instance of the previous version may still be writing there),
    /// else only when the table holds old rows (the duplicate check on accepting, where a miss is the normal case).
    /// </summary>
    private async Task<TableEntity?> FindAsync(TableClient table, string key, IEnumerable<string>? select, bool alwaysAskLegacy, CancellationToken cancellationToken)
    {
        var row = await table.GetEntityIfExistsAsync<TableEntity>(PartitionOf(key), key, select, cancellationToken);
        if (row.HasValue && row.Value is not null)
        {
            return row.Value;
        }

        if (!alwaysAskLegacy && !await HasLegacyRowsAsync(table, cancellationToken))
        {
            return null;
        }

        var legacy = await table.GetEntityIfExistsAsync<TableEntity>(LegacyPartition, key, select, cancellationToken);
        return legacy.HasValue ? legacy.Value : null;
    }

    /// <summary>
    /// Deletes the pending marker of <paramref name="key"/>, best effort: one already gone is fine, and one left by a
    /// failed deletion is deleted by the next sweep (which finds its delivery no longer pending), so a storage hiccup
    /// here does not turn a completed delivery's state change into an error.
    /// </summary>
    private static async Task DeleteMarkerAsync(TableClient table, string partition, string key, CancellationToken cancellationToken)
    {
        try
        {
            await table.DeleteEntityAsync(partition, MarkerKey(key), ETag.All, cancellationToken);
        }
        catch (RequestFailedException)
        {
        }
    }

    /// <summary>
    /// Whether the table holds any row of <see cref="LegacyPartition"/>: asked once per process (nothing writes there any
    /// more, so the answer stays true, or stays false). A failed query is not remembered.
    /// </summary>
    private async Task<bool> HasLegacyRowsAsync(TableClient table, CancellationToken cancellationToken)
    {
        if (_legacyRows is { } known)
        {
            return known;
        }

        var filter = TableClient.CreateQueryFilter($"PartitionKey eq {LegacyPartition}");
        var any = false;
        await foreach (var page in table.QueryAsync<TableEntity>(filter, maxPerPage: 1, select: ["RowKey"], cancellationToken: cancellationToken).AsPages())
        {
            any = page.Values.Count > 0;
            if (any || page.ContinuationToken is null)
            {
                break;
            }
        }

        _legacyRows = any;
        return any;
    }

    private async Task UploadBodyAsync(string blobName, ReadOnlyMemory<byte> body, CancellationToken cancellationToken)
    {
        var container = await clients.ContainerAsync(names.DeliveriesContainer, cancellationToken);
        var options = new BlobUploadOptions
        {
            Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All },
            HttpHeaders = new BlobHttpHeaders { ContentType = "application/octet-stream" },
            TransferValidation = new UploadTransferValidationOptions { ChecksumAlgorithm = StorageChecksumAlgorithm.MD5 },
        };

        try
        {
            await container.GetBlobClient(blobName).UploadAsync(BinaryData.FromBytes(body), options, cancellationToken);
        }
        catch (RequestFailedException ex) when (AzureEvidenceObjects.IsAlreadyExists(ex))
        {
            // Content-addressed: an existing blob of this name holds these very bytes.
        }
    }

    private async Task<StoredDelivery> ToStoredAsync(TableEntity entity, CancellationToken cancellationToken)
    {
        var deliveryId = entity.GetString("DeliveryId") ?? entity.RowKey;
        var container = await clients.ContainerAsync(names.DeliveriesContainer, cancellationToken);
        byte[] body;
        try
        {
            var download = await container.GetBlobClient(entity.GetString("BodyBlob")).DownloadContentAsync(cancellationToken);
            body = download.Value.Content.ToArray();
        }
        catch (RequestFailedException ex) when (ex.Status == 404)
        {
            throw new InvalidDataException($"The body of delivery '{deliveryId}' is missing.", ex);
        }

        if (!string.Equals(CanonicalJson.Sha256Hex(body), entity.GetString("BodySha256"), StringComparison.Ordinal))
        {
            throw new InvalidDataException($"The body of delivery '{deliveryId}' does not match its recorded SHA-256.");
        }

        var delivery = new InboundDelivery(
            deliveryId,
            entity.GetString("Event"),
            entity.GetString("Action"),
            entity.GetInt64("InstallationId"),
            entity.GetString("Repository"),
            ReceivedAt(entity),
            body);
        var state = Enum.Parse<DeliveryState>(entity.GetString("State"));
        var lastError = entity.GetString("LastError");
        return new StoredDelivery(delivery, state, entity.GetInt32("Attempts") ?? 0, string.IsNullOrEmpty(lastError) ? null : lastError);
    }

    private static DateTimeOffset ReceivedAt(TableEntity entity) =>
        DateTimeOffset.Parse(entity.GetString("ReceivedAt"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static DateTimeOffset? TryReceivedAt(TableEntity entity) =>
        DateTimeOffset.TryParse(entity.GetString("ReceivedAt"), CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var at) ? at : null;

    private static string Format(DateTimeOffset value) => value.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);

    private static void SetIfNotNull(TableEntity entity, string property, string? value)
    {
        if (value is not null)
        {
            entity[property] = value;
        }
    }
}
