using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.Pkcs;
using System.Security.Cryptography.X509Certificates;

namespace FinGuard.Evidence.TreeHeads;

/// <summary>
/// An RFC 3161 time-stamping authority: an independent witness that a tree head's exact text existed at a time. The
/// request names SHA-256 of the text, asks for the TSA's certificate in the token and carries a random nonce, and
/// <see cref="Rfc3161TimestampRequest.ProcessResponse"/> checks the answer matches all three before it is kept.
/// </summary>
public sealed class TreeHeadTimestamper(HttpClient http, Uri authority)
{
    public const string HttpClientName = "finguard-tsa";

    /// <summary>The DER-encoded time-stamp token (CMS SignedData) over <paramref name="data"/>.</summary>
    public async Task<byte[]> TimestampAsync(byte[] data, CancellationToken cancellationToken)
    {
        var request = Rfc3161TimestampRequest.CreateFromData(data, HashAlgorithmName.SHA256, requestedPolicyId: null,
            nonce: RandomNumberGenerator.GetBytes(8), requestSignerCertificates: true);
        using var content = new ByteArrayContent(request.Encode());
        content.Headers.ContentType = new MediaTypeHeaderValue("application/timestamp-query");
        using var response = await http.PostAsync(authority, content, cancellationToken);
        var body = await response.Content.ReadAsByteArrayAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            throw new HttpRequestException($"The time-stamping authority {authority} answered {(int)response.StatusCode} {response.ReasonPhrase}.");
        }

        try
        {
            return request.ProcessResponse(body, out _).AsSignedCms().Encode();
        }
        catch (CryptographicException ex)
        {
            throw new HttpRequestException($"The time-stamping authority {authority} did not return a valid time-stamp for the tree head: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// Checks a token against the exact data it should stamp: its signature, that it stamps that data, and (when
    /// <paramref name="trustedAuthority"/> is given) that the TSA's certificate is that one or chains to it.
    /// Returns the stamped time and the TSA, or a problem.
    /// </summary>
    public static (DateTimeOffset Time, string Authority)? Check(byte[] token, byte[] data, X509Certificate2? trustedAuthority, out string? problem)
    {
        ArgumentNullException.ThrowIfNull(token);
        problem = null;
        if (!Rfc3161TimestampToken.TryDecode(token, out var decoded, out _))
        {
            problem = "its RFC 3161 time-stamp token cannot be decoded";
            return null;
        }

        if (!decoded.VerifySignatureForData(data, out var signer) || signer is null)
        {
            problem = "its RFC 3161 time-stamp token does not verify for this tree head (wrong data, or a forged or damaged token)";
            return null;
        }

        if (trustedAuthority is not null && !IsTrusted(signer, trustedAuthority, decoded))
        {
            problem = $"its RFC 3161 time-stamp token is signed by '{signer.Subject}', which is not the trusted time-stamping authority '{trustedAuthority.Subject}' nor issued by it";
            return null;
        }

        return (decoded.TokenInfo.Timestamp, signer.Subject);
    }

    private static bool IsTrusted(X509Certificate2 signer, X509Certificate2 trusted, Rfc3161TimestampToken token)
    {
        if (signer.RawData.AsSpan().SequenceEqual(trusted.RawData))
        {
            return true;
        }

        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(trusted);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.VerificationTime = token.TokenInfo.Timestamp.UtcDateTime;
        foreach (var certificate in token.AsSignedCms().Certificates)
        {
            chain.ChainPolicy.ExtraStore.Add(certificate);
        }

        return chain.Build(signer);
    }
}
