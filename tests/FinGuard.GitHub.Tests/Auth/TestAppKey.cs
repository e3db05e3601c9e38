using System.Security.Cryptography;

namespace FinGuard.GitHub.Tests.Auth;

/// <summary>
/// One real RSA-2048 key generated per test run (generation is the slow part of these tests), kept only as
/// immutable PEM text so parallel tests share nothing mutable.
/// </summary>
internal static class TestAppKey
{
    private static readonly Lazy<(string Pkcs1, string Pkcs8, string Public)> Pems = new(() =>
    {
        using var rsa = RSA.Create(2048);
        return (rsa.ExportRSAPrivateKeyPem(), rsa.ExportPkcs8PrivateKeyPem(), rsa.ExportSubjectPublicKeyInfoPem());
    });

    /// <summary>PKCS#1 ("BEGIN RSA PRIVATE KEY"), the format GitHub issues App keys in.</summary>
    public static string PrivateKeyPem => Pems.Value.Pkcs1;

    public static string Pkcs8PrivateKeyPem => Pems.Value.Pkcs8;

    /// <summary>A new RSA object holding only the public half; the caller disposes it.</summary>
    public static RSA CreatePublicKey()
    {
        var rsa = RSA.Create();
        rsa.ImportFromPem(Pems.Value.Public);
        return rsa;
    }
}
