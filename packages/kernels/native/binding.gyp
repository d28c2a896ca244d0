# The Node-API addon. The per-ISA routines (native/isa-impl.inc) are compiled once per instruction
# set, each in its own static library with its own -m flags; the rest is baseline code that picks
# one of them at run time (native/cpu.cc). Set TESSERA_NATIVE_EMULATE_AVX512=1 when building to
# compile the AVX-512 copy for AVX2 instead, so its logic can be tested on a machine without
# AVX-512 (development only; `info().emulatedAvx512` says so).
{
  'variables': {
    'emulate_avx512%': '<!(node -p "process.env.TESSERA_NATIVE_EMULATE_AVX512 === \'1\' ? 1 : 0")',
  },
  'target_defaults': {
    'cflags_cc': ['-O3', '-std=gnu++17', '-fno-math-errno', '-fno-trapping-math', '-ffp-contract=fast', '-fvisibility=hidden'],
    'cflags_cc!': ['-std=gnu++1y', '-std=gnu++14', '-std=gnu++20', '-O2'],
    'xcode_settings': {
      'OTHER_CPLUSPLUSFLAGS': ['-O3', '-std=gnu++17', '-fno-math-errno', '-ffp-contract=fast'],
    },
    'conditions': [
      ['target_arch=="x64"', {
        'defines': ['TESSERA_HAVE_AVX512', 'TESSERA_HAVE_AVX2'],
      }],
      ['emulate_avx512==1', {
        'defines': ['TESSERA_EMULATE_AVX512'],
      }],
    ],
  },
  'targets': [
    {
      # The optimizer steps must round exactly as their decompositions do: no FMA contraction.
      'target_name': 'tessera_optim',
      'type': 'static_library',
      'sources': ['native/optim.cc'],
      'cflags_cc!': ['-ffp-contract=fast'],
      'cflags_cc': ['-ffp-contract=off'],
      'xcode_settings': { 'OTHER_CPLUSPLUSFLAGS!': ['-ffp-contract=fast'], 'OTHER_CPLUSPLUSFLAGS': ['-ffp-contract=off'] },
    },
    {
      'target_name': 'tessera_isa_sse',
      'type': 'static_library',
      'sources': ['native/isa-sse.cc'],
    },
    {
      'target_name': 'tessera_native',
      'sources': [
        'native/addon.cc',
        'native/attention.cc',
        'native/cpu.cc',
        'native/elementwise.cc',
        'native/gemm.cc',
        'native/nn.cc',
        'native/pool.cc',
        'native/reduce.cc',
      ],
      'dependencies': ['tessera_isa_sse', 'tessera_optim'],
      'conditions': [
        ['target_arch=="x64"', {
          'dependencies': ['tessera_isa_avx2', 'tessera_isa_avx512'],
        }],
      ],
    },
  ],
  'conditions': [
    ['target_arch=="x64"', {
      'targets': [
        {
          'target_name': 'tessera_isa_avx2',
          'type': 'static_library',
          'sources': ['native/isa-avx2.cc'],
          'cflags_cc': ['-mavx2', '-mfma'],
          'xcode_settings': { 'OTHER_CPLUSPLUSFLAGS': ['-mavx2', '-mfma'] },
        },
        {
          'target_name': 'tessera_isa_avx512',
          'type': 'static_library',
          'sources': ['native/isa-avx512.cc'],
          'conditions': [
            ['emulate_avx512==1', {
              'cflags_cc': ['-mavx2', '-mfma'],
              'xcode_settings': { 'OTHER_CPLUSPLUSFLAGS': ['-mavx2', '-mfma'] },
            }, {
              'cflags_cc': ['-mavx512f', '-mfma'],
              'xcode_settings': { 'OTHER_CPLUSPLUSFLAGS': ['-mavx512f', '-mfma'] },
            }],
          ],
        },
      ],
    }],
  ],
}
