using Azure;
using Azure.Core;
using Azure.Core.Pipeline;
using Azure.Data.Tables;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using FinGuard.Core.Evidence;
using FinGuard.Testing.Azurite;

namespace FinGuard.Storage.Tests.Evidence;

[Collection(AzuriteFixture.CollectionName)]
public sealed class AzureEvidenceStoreTests(AzuriteFixture azurite) : EvidenceStoreContract
{
    private readonly StorageOptions _options = TestStorage.NewAzureOptions(azurite);

    internal override StorageBackend CreateBackend() => TestStorage.NewAzureBackend(_options);

    [Fact]
    public async Task A_direct_upload_with_if_none_match_to_an_existing_evidence_blob_is_refused()
    {
        var chain = EvidenceRecords.NewChain();
        var receipt = await Backend().Evidence.AppendAsync(EvidenceRecords.Create(chain), default);
        var blob = new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(_options.EvidenceContainer).GetBlobClient(receipt.BlobName);
        var original = (await blob.DownloadContentAsync()).Value.Content.ToArray();

        var ex = await Assert.ThrowsAsync<RequestFailedException>(() => blob.UploadAsync(
            BinaryData.FromString("""{"tampered":true}"""),
            new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }));

        Assert.Equal(409, ex.Status);
        Assert.Equal(BlobErrorCode.BlobAlreadyExists.ToString(), ex.ErrorCode);
        Assert.Equal(original, (await blob.DownloadContentAsync()).Value.Content.ToArray());
    }

    [Fact]
    public async Task Every_evidence_blob_write_is_sent_with_if_none_match_star()
    {
        var recorder = new RequestRecorder();
        var blobOptions = new BlobClientOptions();
        blobOptions.AddPolicy(recorder, HttpPipelinePosition.PerRetry);
        using var backend = StorageBackend.CreateAzure(_options, blobOptions, tableOptions: null);
        var chain = EvidenceRecords.NewChain();

        await backend.Evidence.AppendAsync(EvidenceRecords.Create(chain, 1), default);
        await backend.Evidence.AppendAsync(EvidenceRecords.Create(chain, 2), default);

        var puts = recorder.Requests.Where(r => r.Method == RequestMethod.Put && r.Uri.Contains($"/{_options.EvidenceContainer}/{chain}/", StringComparison.Ordinal)).ToList();
        Assert.Equal(2, puts.Count);
        Assert.All(puts, put => Assert.Equal("*", put.IfNoneMatch));
    }

    [Fact]
    public async Task Index_rows_are_keyed_by_encoded_chain_and_twelve_digit_sequence()
    {
        var chain = EvidenceRecords.NewChain();
        await Backend().Evidence.AppendAsync(EvidenceRecords.Create(chain), default);
        var tables = new TableServiceClient(azurite.ConnectionString);

        var row = await tables.GetTableClient(_options.TablePrefix + "EvidenceIndex")
            .GetEntityAsync<TableEntity>(chain.Replace('/', '~'), "000000000001");
        var head = await tables.GetTableClient(_options.TablePrefix + "EvidenceChains")
            .GetEntityAsync<TableEntity>(chain.Replace('/', '~'), "head");

        Assert.Equal($"{chain}/000000000001.json", row.Value.GetString("BlobName"));
        Assert.Equal(1, head.Value.GetInt64("Sequence"));
        Assert.Equal(row.Value.GetString("Sha256"), head.Value.GetString("Sha256"));
    }

    [Fact]
    public async Task A_lost_head_row_is_recovered_by_walking_the_existing_records()
    {
        var chain = EvidenceRecords.NewChain();
        var store = Backend().Evidence;
        EvidenceReceipt last = null!;
        for (var n = 1; n <= 5; n++)
        {
            last = await store.AppendAsync(EvidenceRecords.Create(chain, n), default);
        }

        await new TableServiceClient(azurite.ConnectionString).GetTableClient(_options.TablePrefix + "EvidenceChains")
            .DeleteEntityAsync(chain.Replace('/', '~'), "head");

        var next = await Backend().Evidence.AppendAsync(EvidenceRecords.Create(chain, 6), default);

        Assert.Equal(6, next.Sequence);
        Assert.Equal(last.Sha256, next.PreviousSha256);
    }

    private sealed record RecordedRequest(RequestMethod Method, string Uri, string? IfNoneMatch);

    private sealed class RequestRecorder : HttpPipelineSynchronousPolicy
    {
        private readonly List<RecordedRequest> _requests = [];

        public IReadOnlyList<RecordedRequest> Requests
        {
            get
            {
                lock (_requests)
                {
                    return [.. _requests];
                }
            }
        }

        public override void OnSendingRequest(HttpMessage message)
        {
            message.Request.Headers.TryGetValue("If-None-Match", out var ifNoneMatch);
            lock (_requests)
            {
                _requests.Add(new RecordedRequest(message.Request.Method, message.Request.Uri.ToString(), ifNoneMatch));
            }
        }
    }
}
