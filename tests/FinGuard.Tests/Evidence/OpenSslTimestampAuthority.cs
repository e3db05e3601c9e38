using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using FinGuard.Tests.Infrastructure;

namespace FinGuard.Tests.Evidence;

/// <summary>
/// A real RFC 3161 time-stamping authority on loopback: <c>openssl ts -reply</c> answers each query, behind a small
/// HTTP listener that only moves the bytes (the protocol's transport, RFC 3161 §3.4). Its CA and TSA certificates are
/// made per run; the TSA certificate carries the critical timeStamping extended key usage RFC 3161 requires.
/// </summary>
internal sealed class OpenSslTimestampAuthority : IAsyncDisposable
{
    private readonly HttpListener listener = new();
    private readonly string directory = TempDirectory.Create();
    private readonly CancellationTokenSource stopping = new();
    private Task? serving;

    public Uri Url { get; private set; } = null!;

    /// <summary>The CA that issued the TSA's certificate, PEM.</summary>
    public string CaCertificatePath => Path.Combine(directory, "ca.crt");

    public int Requests { get; private set; }

    public static async Task<OpenSslTimestampAuthority> StartAsync()
    {
        var tsa = new OpenSslTimestampAuthority();
        tsa.CreateCertificates();
        var port = FreePort();
        tsa.Url = new Uri($"http://127.0.0.1:{port}/tsa/");
        tsa.listener.Prefixes.Add(tsa.Url.ToString());
        tsa.listener.Start();
        tsa.serving = tsa.ServeAsync();
        await Task.CompletedTask;
        return tsa;
    }

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        listener.Close();
        if (serving is not null)
        {
            try
            {
                await serving;
            }
            catch (Exception ex) when (ex is HttpListenerException or ObjectDisposedException or OperationCanceledException)
            {
            }
        }

        stopping.Dispose();
        TempDirectory.Delete(directory);
    }

    private async Task ServeAsync()
    {
        while (!stopping.IsCancellationRequested)
        {
            var context = await listener.GetContextAsync();
            var query = Path.Combine(directory, $"{Guid.NewGuid():N}.tsq");
            var reply = Path.ChangeExtension(query, ".tsr");
            using (var file = File.Create(query))
            {
                await context.Request.InputStream.CopyToAsync(file);
            }

            var (exit, error) = await RunAsync("ts", "-reply", "-config", Path.Combine(directory, "tsa.cnf"), "-queryfile", query, "-out", reply);
            Requests++;
            if (exit != 0)
            {
                context.Response.StatusCode = 500;
                await context.Response.OutputStream.WriteAsync(System.Text.Encoding.UTF8.GetBytes(error));
            }
            else
            {
                context.Response.ContentType = "application/timestamp-reply";
                await context.Response.OutputStream.WriteAsync(await File.ReadAllBytesAsync(reply));
            }

            context.Response.Close();
        }
    }

    private void CreateCertificates()
    {
        var now = TimeProvider.System.GetUtcNow();
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=FinGuard Test TSA Root", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        using var ca = caRequest.CreateSelfSigned(now.AddDays(-1), now.AddYears(1));

        using var tsaKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var tsaRequest = new CertificateRequest("CN=FinGuard Test TSA", tsaKey, HashAlgorithmName.SHA256);
        tsaRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        tsaRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        tsaRequest.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.8")], critical: true));
        using var tsa = tsaRequest.Create(ca, now.AddDays(-1), now.AddMonths(6), RandomNumberGenerator.GetBytes(8));

        File.WriteAllText(CaCertificatePath, ca.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "tsa.crt"), tsa.ExportCertificatePem());
        File.WriteAllText(Path.Combine(directory, "tsa.key"), tsaKey.ExportPkcs8PrivateKeyPem());
        File.WriteAllText(Path.Combine(directory, "serial"), "01\n");
        File.WriteAllText(Path.Combine(directory, "tsa.cnf"), $"""
            [ tsa ]
            default_tsa = tsa_config
            [ tsa_config ]
            dir = {directory}
            serial = $dir/serial
            signer_cert = $dir/tsa.crt
            certs = $dir/ca.crt
            signer_key = $dir/tsa.key
            signer_digest = sha256
            default_policy = 1.3.6.1.4.1.4146.2.3
            digests = sha256, sha384, sha512
            accuracy = secs:1
            ordering = yes
            tsa_name = yes
            ess_cert_id_chain = no
            ess_cert_id_alg = sha256
            """);
    }

    private static async Task<(int Exit, string Error)> RunAsync(params string[] args)
    {
        var start = new ProcessStartInfo("openssl") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync();
        await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, error);
    }

    private static int FreePort()
    {
        using var socket = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }
}
