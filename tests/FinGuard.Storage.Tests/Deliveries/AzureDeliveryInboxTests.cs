using Azure.Data.Tables;
using Azure.Storage.Blobs;
using FinGuard.Core.Deliveries;
using FinGuard.Testing.Azurite;

namespace FinGuard.Storage.Tests.Deliveries;

[Collection(AzuriteFixture.CollectionName)]
public sealed class AzureDeliveryInboxTests(AzuriteFixture azurite) : DeliveryInboxContract
{
    private readonly StorageOptions _options = TestStorage.NewAzureOptions(azurite);

    internal override StorageBackend CreateBackend() => TestStorage.NewAzureBackend(_options);

    [Fact]
    public async Task The_body_is_a_blob_and_the_row_holds_metadata_only()
    {
        var id = Guid.NewGuid().ToString();
        var body = new byte[100_000];
        await Backend().Inbox.AcceptAsync(new InboundDelivery(id, "push", null, 1, "o/r", new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero), body), default);

        var row = (await new TableServiceClient(azurite.ConnectionString).GetTableClient(_options.TablePrefix + "Deliveries")
            .GetEntityAsync<TableEntity>("delivery", id)).Value;
        var blobName = row.GetString("BodyBlob");
        var blob = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_options.DeliveriesContainer).GetBlobClient(blobName);

        Assert.StartsWith(id + "/", blobName, StringComparison.Ordinal);
        Assert.Equal(body.Length, (await blob.GetPropertiesAsync()).Value.ContentLength);
        Assert.Equal("Pending", row.GetString("State"));
        Assert.DoesNotContain(row, property => property.Value is byte[] or BinaryData);
    }
}
