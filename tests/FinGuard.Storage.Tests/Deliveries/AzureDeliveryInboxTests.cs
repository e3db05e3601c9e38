using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FinGuard.Core.Deliveries;
using FinGuard.Storage.Azure;
using FinGuard.Testing.Azurite;

namespace FinGuard.Storage.Tests.Deliveries;

[Collection(AzuriteFixture.CollectionName)]
public sealed class AzureDeliveryInboxTests(AzuriteFixture azurite) : DeliveryInboxContract
{
    private readonly StorageOptions _options = TestStorage.NewAzureOptions(azurite);

    internal override StorageBackend CreateBackend() => TestStorage.NewAzureBackend(_options);

    protected override async Task FlipOneBodyByteAsync(string deliveryId)
    {
        var key = deliveryId.ToLowerInvariant();
        var row = (await Table().GetEntityAsync<TableEntity>(AzureDeliveryInbox.PartitionOf(key), key)).Value;
        var blob = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_options.DeliveriesContainer).GetBlobClient(row.GetString("BodyBlob"));
        var bytes = (await blob.DownloadContentAsync()).Value.Content.ToArray();
        bytes[3] ^= 0x01;
        await blob.UploadAsync(BinaryData.FromBytes(bytes), overwrite: true);
    }

    protected override async Task AssertKeptAsync(QuarantinedDelivery entry)
    {
        // The row is copied into the quarantine partition, and the body blob it names is still there.
        var rows = new List<TableEntity>();
        await foreach (var row in Table().QueryAsync<TableEntity>(r => r.PartitionKey == AzureDeliveryInbox.QuarantinePartition))
        {
            rows.Add(row);
        }

        var copy = Assert.Single(rows, r => r.GetString("DeliveryKey") == entry.DeliveryId);
        Assert.Contains(copy.RowKey, entry.Location, StringComparison.Ordinal);
        Assert.Equal(entry.Reason, copy.GetString("Reason"));
        var blob = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_options.DeliveriesContainer).GetBlobClient(copy.GetString("BodyBlob"));
        Assert.True((await blob.ExistsAsync()).Value);
    }

    [Fact]
    public async Task The_body_is_a_blob_and_the_row_holds_metadata_only()
    {
        var id = Guid.NewGuid().ToString();
        var body = new byte[100_000];
        await Backend().Inbox.AcceptAsync(new InboundDelivery(id, "push", null, 1, "o/r", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), body), default);

        var row = (await new TableServiceClient(azurite.ConnectionString).GetTableClient(_options.TablePrefix + "Deliveries")
            .GetEntityAsync<TableEntity>(AzureDeliveryInbox.PartitionOf(id), id)).Value;
        var blobName = row.GetString("BodyBlob");
        var blob = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_options.DeliveriesContainer).GetBlobClient(blobName);

        Assert.StartsWith(id + "/", blobName, StringComparison.Ordinal);
        Assert.Equal(body.Length, (await blob.GetPropertiesAsync()).Value.ContentLength);
        Assert.Equal("Pending", row.GetString("State"));
        Assert.DoesNotContain(row, property => property.Value is byte[] or BinaryData);
    }

    [Fact]
    public async Task Rows_spread_over_partitions_by_a_hash_of_their_key()
    {
        // One partition is served at up to 2,000 entities a second, and a delivery costs about five operations.
        var ids = Enumerable.Range(0, 40).Select(_ => Guid.NewGuid().ToString()).ToList();
        foreach (var id in ids)
        {
            await Backend().Inbox.AcceptAsync(Delivery(id), default);
        }

        var rows = (await Table().QueryAsync<TableEntity>(select: ["PartitionKey", "RowKey"]).ToListAsync())
            .Where(r => !r.RowKey.StartsWith(AzureDeliveryInbox.PendingMarkerPrefix, StringComparison.Ordinal)).ToList();
        Assert.Equal(ids.Order(StringComparer.Ordinal), rows.Select(r => r.RowKey).Order(StringComparer.Ordinal));
        Assert.All(rows, row => Assert.Equal(AzureDeliveryInbox.PartitionOf(row.RowKey), row.PartitionKey));
        Assert.All(rows, row => Assert.Matches("^d[0-9a-f]{2}$", row.PartitionKey));
        Assert.True(rows.Select(r => r.PartitionKey).Distinct().Count() >= 20, "40 keys should land in many of the 256 partitions");
        Assert.Equal("d" + Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("abc"u8))[..2], AzureDeliveryInbox.PartitionOf("abc"));
    }

    [Fact]
    public async Task A_delivery_stored_in_the_old_single_partition_is_still_deduplicated_read_listed_and_updated()
    {
        // As the inbox wrote it before 2026-12-04: the row in partition "delivery", its body a blob named {key}/{sha256}.
        var body = "{\"zen\":\"old\"}"u8.ToArray();
        var id = Guid.NewGuid().ToString();
        var bodySha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body));
        var container = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_options.DeliveriesContainer);
        await container.CreateIfNotExistsAsync();
        await container.GetBlobClient($"{id}/{bodySha}").UploadAsync(BinaryData.FromBytes(body));
        var table = Table();
        await table.CreateIfNotExistsAsync();
        await table.AddEntityAsync(new TableEntity(AzureDeliveryInbox.LegacyPartition, id)
        {
            ["DeliveryId"] = id,
            ["Event"] = "ping",
            ["ReceivedAt"] = "2026-12-03T10:00:00.0000000+00:00",
            ["BodyBlob"] = $"{id}/{bodySha}",
            ["BodySha256"] = bodySha,
            ["BodyLength"] = (long)body.Length,
            ["State"] = "Pending",
            ["Attempts"] = 0,
            ["AcceptToken"] = "old",
        });

        var inbox = TestStorage.NewAzureBackend(_options).Inbox; // a process started after the upgrade
        Assert.Equal(InboxAcceptOutcome.Duplicate, await inbox.AcceptAsync(Delivery(id) with { Body = body }, default));
        Assert.Equal(InboxAcceptOutcome.DuplicateWithDifferentBody, await inbox.AcceptAsync(Delivery(id), default));
        Assert.Equal(body, (await inbox.GetAsync(id, default))!.Delivery.Body.ToArray());
        Assert.Contains(await inbox.ListPendingAsync(default), d => d.Delivery.DeliveryId == id);

        await inbox.MarkCompletedAsync(id, default);

        Assert.Equal("Completed", (await table.GetEntityAsync<TableEntity>(AzureDeliveryInbox.LegacyPartition, id)).Value.GetString("State"));
        Assert.DoesNotContain(await inbox.ListPendingAsync(default), d => d.Delivery.DeliveryId == id);
        Assert.False((await table.GetEntityIfExistsAsync<TableEntity>(AzureDeliveryInbox.PartitionOf(id), id)).HasValue);
    }

    [Fact]
    public async Task A_pending_delivery_has_a_marker_next_to_its_row_until_it_is_completed_or_fails_for_good()
    {
        var inbox = Backend().Inbox;
        var (completed, failed, retried) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        foreach (var id in (string[])[completed, failed, retried])
        {
            await inbox.AcceptAsync(Delivery(id), default);
            Assert.True(await HasMarkerAsync(id), $"no marker for {id}");
        }

        await inbox.MarkCompletedAsync(completed, default);
        await inbox.MarkFailedAsync(failed, "bad payload", permanent: true, default);
        await inbox.MarkFailedAsync(retried, "GitHub 502", permanent: false, default);

        Assert.False(await HasMarkerAsync(completed));
        Assert.False(await HasMarkerAsync(failed));
        Assert.True(await HasMarkerAsync(retried));
        Assert.Equal([retried], (await inbox.ListPendingAsync(default)).Select(d => d.Delivery.DeliveryId));
    }

    [Fact]
    public async Task The_sweep_deletes_a_marker_left_by_a_crash_after_its_delivery_completed_and_does_not_list_it()
    {
        var inbox = Backend().Inbox;
        var id = Guid.NewGuid().ToString();
        await inbox.AcceptAsync(Delivery(id), default);
        await inbox.MarkCompletedAsync(id, default);
        await Table().AddEntityAsync(new TableEntity(AzureDeliveryInbox.PartitionOf(id), AzureDeliveryInbox.MarkerKey(id))); // as if the deletion never ran

        Assert.Empty(await inbox.ListPendingAsync(default));
        Assert.False(await HasMarkerAsync(id));
    }

    [Fact]
    public async Task The_sweep_does_not_scan_the_rows_it_lists_pending_deliveries_from_their_markers()
    {
        // A pending row without a marker (only rows from before the markers are like that, and those live in the old
        // partition) is not found: proof that the sweep reads markers, not every row of the table.
        var inbox = Backend().Inbox;
        var (listed, unmarked) = (Guid.NewGuid().ToString(), Guid.NewGuid().ToString());
        await inbox.AcceptAsync(Delivery(listed), default);
        await inbox.AcceptAsync(Delivery(unmarked), default);
        await Table().DeleteEntityAsync(AzureDeliveryInbox.PartitionOf(unmarked), AzureDeliveryInbox.MarkerKey(unmarked));

        Assert.Equal([listed], (await inbox.ListPendingAsync(default)).Select(d => d.Delivery.DeliveryId));
        Assert.Equal(DeliveryState.Pending, (await inbox.GetAsync(unmarked, default))!.State);
    }

    private async Task<bool> HasMarkerAsync(string id) =>
        (await Table().GetEntityIfExistsAsync<TableEntity>(AzureDeliveryInbox.PartitionOf(id), AzureDeliveryInbox.MarkerKey(id))).HasValue;

    private TableClient Table() => new TableServiceClient(azurite.ConnectionString).GetTableClient(_options.TablePrefix + "Deliveries");

    private static InboundDelivery Delivery(string id) =>
        new(id, "ping", null, 1, "o/r", new DateTimeOffset(2026, 12, 4, 0, 0, 0, TimeSpan.Zero), "{\"zen\":\"new\"}"u8.ToArray());
}
