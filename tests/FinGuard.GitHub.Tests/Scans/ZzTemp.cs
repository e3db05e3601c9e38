using FinGuard.GitHub.Scans;
using Xunit.Abstractions;
namespace FinGuard.GitHub.Tests.Scans;
public sealed class ZzTemp(ITestOutputHelper output)
{
    [Fact]
    public void Probe()
    {
        var honest = new ZipBuilder().AddZeros("semgrep.json", 16 * 1024 * 1024).Build();
        foreach (var claim in new uint[] { 100, 2 * 1024 * 1024 })
        {
            var lying = ZipBuilder.WithClaimedUncompressedSize(honest, claim);
            try
            {
                var files = ArtifactExtractor.Extract(new MemoryStream(lying), ["semgrep.json"], new ArtifactLimits { MaxEntryBytes = 1024 * 1024 * 64, MaxTotalBytes = 1024L * 1024 * 640, MaxCompressionRatio = 100000 });
                output.WriteLine($"claim {claim}: got {files["semgrep.json"].Length}");
            }
            catch (Exception ex) { output.WriteLine($"claim {claim}: {ex.GetType().Name} {ex.Message}"); }
        }
    }
}
