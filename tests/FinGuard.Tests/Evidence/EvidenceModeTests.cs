using System.Net;
using System.Text;
using Azure.Core.Pipeline;
using Azure.Storage.Blobs;
using FinGuard.Evidence;
using FinGuard.Hosting;
using FinGuard.Storage;
using FinGuard.Storage.Azure;
using FinGuard.Testing.Azurite;
using FinGuard.Tests.EndToEnd;
using FinGuard.Tests.Infrastructure;
using Microsoft.Extensions.Options;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// <c>FinGuard:Mode</c>: production refuses to start unless evidence goes to an Azure container verified write-once
/// (so never with the local folder, and never against Azurite, which reports no immutability); development starts
/// anywhere and every record says so.
/// </summary>
[Collection(AzuriteTestGroup.Name)]
public sealed class EvidenceModeTests(AzuriteFixture azurite) : IDisposable
{
    private readonly string folder = TempDirectory.Create();

    public void Dispose() => TempDirectory.Delete(folder);

    [Fact]
    public async Task Production_mode_with_the_local_folder_refuses_to_start_and_says_why()
    {
        await using var app = FinGuardApp.Build([$"--Storage:LocalPath={folder}", "--FinGuard:Mode=production", "--Logging:LogLevel:Default=None", "--urls=http://127.0.0.1:0"]);

        var refusal = await Assert.ThrowsAsync<EvidenceModeException>(() => app.StartAsync());

        Assert.StartsWith("FinGuard:Mode is production, but evidence would be written to the local folder", refusal.Message, StringComparison.Ordinal);
        Assert.Contains("never write-once (WORM)", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Production_mode_against_Azurite_refuses_to_start_because_the_container_is_not_write_once()
    {
        var container = $"ev-{Guid.NewGuid():N}"[..20];
        await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(container).CreateAsync();
        await using var app = FinGuardApp.Build(AzureArgs(container, "--FinGuard:Mode=production"));

        var refusal = await Assert.ThrowsAsync<EvidenceModeException>(() => app.StartAsync());

        Assert.Equal(
            $"FinGuard:Mode is production, but the evidence container is not verified write-once (WORM): blob container '{container}' is not write-once "
            + "(version-level immutability: no, container immutability policy: no, legal hold: no): enable version-level immutability with a time-based "
            + "retention policy on the container or its account (infra/main.bicep), or add a container-level time-based retention policy, and lock it. "
            + "FinGuard refuses to start rather than write evidence that could be changed or deleted. See docs/evidence.md, or set FinGuard:Mode=development.",
            refusal.Message);
    }

    [Fact]
    public async Task Production_mode_refuses_to_start_when_the_evidence_container_does_not_exist()
    {
        var container = $"ev-{Guid.NewGuid():N}"[..20];
        await using var app = FinGuardApp.Build(AzureArgs(container, "--FinGuard:Mode=production"));

        var refusal = await Assert.ThrowsAsync<EvidenceModeException>(() => app.StartAsync());

        Assert.Contains($"blob container '{container}' does not exist", refusal.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Development_mode_against_Azurite_starts_and_records_state_development()
    {
        await using var app = FinGuardApp.Build(AzureArgs($"ev-{Guid.NewGuid():N}"[..20]));

        await app.StartAsync();

        Assert.Equal(EvidenceModes.Development, app.Services.GetRequiredService<EvidenceModeState>().Current);
        Assert.Null(app.Services.GetRequiredService<EvidenceModeState>().Verification);
        await app.StopAsync();
    }

    [Fact]
    public async Task An_unknown_mode_is_rejected_at_start()
    {
        await using var app = FinGuardApp.Build([$"--Storage:LocalPath={folder}", "--FinGuard:Mode=staging", "--Logging:LogLevel:Default=None", "--urls=http://127.0.0.1:0"]);

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains("FinGuard:Mode must be 'development' or 'production'.", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_verifier_reads_Azurites_container_properties_as_not_write_once()
    {
        var options = new StorageOptions { ConnectionString = azurite.ConnectionString, EvidenceContainer = $"ev-{Guid.NewGuid():N}"[..20] };
        await new BlobServiceClient(azurite.ConnectionString).GetBlobContainerClient(options.EvidenceContainer).CreateAsync();

        var report = await EvidenceImmutabilityVerifier.Create(options).VerifyAsync(CancellationToken.None);

        Assert.False(report.Immutable);
        Assert.False(report.VersionLevelImmutability);
        Assert.False(report.ContainerImmutabilityPolicy);
        Assert.Null(report.SampleBlob);
    }

    [Fact]
    public async Task Production_mode_starts_when_the_container_reports_version_level_immutability_and_records_then_state_production()
    {
        // The Blob service's answers for an immutable container (headers and list XML as documented for API 2021-04-10+).
        var transport = new HttpClientTransport(new ImmutableContainerHandler());
        var options = new StorageOptions { ConnectionString = azurite.ConnectionString, EvidenceContainer = "evidence" };
        var verifier = EvidenceImmutabilityVerifier.Create(options, new BlobClientOptions { Transport = transport, Retry = { MaxRetries = 0 } });

        var report = await verifier.VerifyAsync(CancellationToken.None);
        Assert.True(report.Immutable, report.Detail);
        Assert.True(report.VersionLevelImmutability);
        Assert.Equal("octo/payments/000000000001.json", report.SampleBlob);
        Assert.Equal("Locked", report.SampleBlobPolicyMode);
        Assert.Equal(new DateTimeOffset(2033, 3, 14, 9, 0, 0, TimeSpan.Zero), report.SampleBlobRetainedUntil);

        await using var app = FinGuardApp.Build(AzureArgs("evidence", "--FinGuard:Mode=production"), b => b.Services.AddSingleton(verifier));
        await app.StartAsync();
        var state = app.Services.GetRequiredService<EvidenceModeState>();
        Assert.Equal(EvidenceModes.Production, state.Current);
        Assert.Equal(report, state.Verification);
        await app.StopAsync();
    }

    [Fact]
    public void Only_an_immutable_report_allows_production()
    {
        var immutable = new EvidenceImmutabilityReport(true, "evidence", true, false, false, null, null, null, "blob container 'evidence' is write-once");
        var mutable = immutable with { Immutable = false, VersionLevelImmutability = false, Detail = "blob container 'evidence' is not write-once" };

        Assert.True(EvidenceModeStartupCheck.Decide(immutable).Allowed);
        Assert.False(EvidenceModeStartupCheck.Decide(mutable).Allowed);
        var state = new EvidenceModeState();
        Assert.Throws<InvalidOperationException>(() => state.EnterProduction(mutable));
        Assert.Equal(EvidenceModes.Development, state.Current);
        state.EnterProduction(immutable);
        Assert.Equal(EvidenceModes.Production, state.Current);
    }

    private string[] AzureArgs(string container, params string[] more) =>
    [
        $"--Storage:ConnectionString={azurite.ConnectionString}",
        $"--Storage:EvidenceContainer={container}",
        $"--Storage:TablePrefix=t{Guid.NewGuid():N}"[..30],
        "--Logging:LogLevel:Default=None",
        "--urls=http://127.0.0.1:0",
        .. more,
    ];

    private sealed class ImmutableContainerHandler : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var query = request.RequestUri!.Query;
            var response = new HttpResponseMessage(HttpStatusCode.OK);
            response.Headers.TryAddWithoutValidation("x-ms-request-id", Guid.NewGuid().ToString());
            response.Headers.TryAddWithoutValidation("x-ms-version", "2025-11-05");
            if (query.Contains("comp=list", StringComparison.Ordinal))
            {
                response.Content = new StringContent(
                    """
                    <?xml version="1.0" encoding="utf-8"?><EnumerationResults ServiceEndpoint="http://127.0.0.1/devstoreaccount1/" ContainerName="evidence"><MaxResults>1</MaxResults><Blobs><Blob><Name>octo/payments/000000000001.json</Name><Properties><Last-Modified>Sat, 14 Mar 2026 09:00:00 GMT</Last-Modified><Etag>0x8DC1</Etag><Content-Length>10</Content-Length><Content-Type>application/json</Content-Type><BlobType>BlockBlob</BlobType><ImmutabilityPolicyUntilDate>Mon, 14 Mar 2033 09:00:00 GMT</ImmutabilityPolicyUntilDate><ImmutabilityPolicyMode>locked</ImmutabilityPolicyMode><LegalHold>false</LegalHold></Properties></Blob></Blobs><NextMarker /></EnumerationResults>
                    """,
                    Encoding.UTF8,
                    "application/xml");
            }
            else
            {
                response.Content = new ByteArrayContent([]);
                response.Headers.TryAddWithoutValidation("ETag", "\"0x8DC1\"");
                response.Content.Headers.TryAddWithoutValidation("Last-Modified", "Sat, 14 Mar 2026 09:00:00 GMT");
                response.Headers.TryAddWithoutValidation("x-ms-immutable-storage-with-versioning-enabled", "true");
                response.Headers.TryAddWithoutValidation("x-ms-has-immutability-policy", "false");
                response.Headers.TryAddWithoutValidation("x-ms-has-legal-hold", "false");
            }

            return Task.FromResult(response);
        }
    }
}
