using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Synthex.Dpdk.Kernels;

/// <summary>
/// The f32 operations the float kernels need, implemented once per register width by a struct the
/// JIT specialises each generic kernel for (the shape TensorPrimitives used before ISimdVector was
/// public: ISimdVector&lt;TSelf,T&gt; is still internal to CoreLib in .NET 10). Every member is a
/// single instruction or a fixed short sequence, so <c>Dot&lt;Vector512&lt;float&gt;, V512&gt;</c>
/// compiles to the same code as a hand-written Vector512 loop.
/// </summary>
internal interface IF32<TV> where TV : struct
{
    static abstract int Count { get; }
    static abstract int Log2Count { get; }
    static abstract TV Zero { get; }
    static abstract TV Broadcast(float x);
    static abstract TV Load(ref float p, nuint i);
    static abstract void Store(TV v, ref float p, nuint i);
    static abstract TV Add(TV a, TV b);
    static abstract TV Mul(TV a, TV b);
    static abstract TV Div(TV a, TV b);
    /// <summary>a·b + c with one rounding.</summary>
    static abstract TV Fma(TV a, TV b, TV c);
    /// <summary>Zeroes the first Count − <paramref name="keep"/> lanes (for the overlapping last load).</summary>
    static abstract TV KeepLast(TV v, nuint keep);
    /// <summary>Keeps the first <paramref name="keep"/> lanes, zeroes the rest (for the aligning head).</summary>
    static abstract TV KeepFirst(TV v, nuint keep);
    /// <summary>Horizontal sum by halving: log2(Count) additions deep.</summary>
    static abstract float Sum(TV v);
    static abstract bool AnyGreaterThan(TV v, TV threshold);
}

internal readonly struct V512 : IF32<Vector512<float>>
{
    public static int Count => 16;
    public static int Log2Count => 4;
    public static Vector512<float> Zero => Vector512<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Broadcast(float x) => Vector512.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Load(ref float p, nuint i) => Vector512.LoadUnsafe(ref p, i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector512<float> v, ref float p, nuint i) => v.StoreUnsafe(ref p, i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Add(Vector512<float> a, Vector512<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Mul(Vector512<float> a, Vector512<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Div(Vector512<float> a, Vector512<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Vector512.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> KeepFirst(Vector512<float> v, nuint keep) =>
        v & Vector512.LessThan(Vector512<int>.Indices, Vector512.Create((int)keep)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector512<float> KeepLast(Vector512<float> v, nuint keep) =>
        v & Vector512.GreaterThanOrEqual(Vector512<int>.Indices, Vector512.Create(16 - (int)keep)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector512<float> v) => V256.Sum(v.GetLower() + v.GetUpper());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AnyGreaterThan(Vector512<float> v, Vector512<float> t) => Vector512.GreaterThanAny(v, t);
}

internal readonly struct V256 : IF32<Vector256<float>>
{
    public static int Count => 8;
    public static int Log2Count => 3;
    public static Vector256<float> Zero => Vector256<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Broadcast(float x) => Vector256.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Load(ref float p, nuint i) => Vector256.LoadUnsafe(ref p, i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector256<float> v, ref float p, nuint i) => v.StoreUnsafe(ref p, i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Add(Vector256<float> a, Vector256<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Mul(Vector256<float> a, Vector256<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Div(Vector256<float> a, Vector256<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) => Vector256.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> KeepFirst(Vector256<float> v, nuint keep) =>
        v & Vector256.LessThan(Vector256<int>.Indices, Vector256.Create((int)keep)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector256<float> KeepLast(Vector256<float> v, nuint keep) =>
        v & Vector256.GreaterThanOrEqual(Vector256<int>.Indices, Vector256.Create(8 - (int)keep)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static float Sum(Vector256<float> v) => V128.Sum(v.GetLower() + v.GetUpper());
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AnyGreaterThan(Vector256<float> v, Vector256<float> t) => Vector256.GreaterThanAny(v, t);
}

internal readonly struct V128 : IF32<Vector128<float>>
{
    public static int Count => 4;
    public static int Log2Count => 2;
    public static Vector128<float> Zero => Vector128<float>.Zero;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Broadcast(float x) => Vector128.Create(x);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Load(ref float p, nuint i) => Vector128.LoadUnsafe(ref p, i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static void Store(Vector128<float> v, ref float p, nuint i) => v.StoreUnsafe(ref p, i);
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Add(Vector128<float> a, Vector128<float> b) => a + b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Mul(Vector128<float> a, Vector128<float> b) => a * b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Div(Vector128<float> a, Vector128<float> b) => a / b;
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static Vector128<float> Fma(Vector128<float> a, Vector128<float> b, Vector128<float> c) => Vector128.FusedMultiplyAdd(a, b, c);
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> KeepFirst(Vector128<float> v, nuint keep) =>
        v & Vector128.LessThan(Vector128<int>.Indices, Vector128.Create((int)keep)).AsSingle();
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static Vector128<float> KeepLast(Vector128<float> v, nuint keep) =>
        v & Vector128.GreaterThanOrEqual(Vector128<int>.Indices, Vector128.Create(4 - (int)keep)).AsSingle();
    /// <summary>Pairwise: (v0+v2) + (v1+v3), two additions deep.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Sum(Vector128<float> v)
    {
        Vector128<float> s = v + Vector128.Shuffle(v, Vector128.Create(2, 3, 0, 1));
        return s.ToScalar() + s.GetElement(1);
    }
    [MethodImpl(MethodImplOptions.AggressiveInlining)] public static bool AnyGreaterThan(Vector128<float> v, Vector128<float> t) => Vector128.GreaterThanAny(v, t);
}
