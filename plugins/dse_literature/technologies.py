"""The `horowitz45` technology: 45 nm energies (Horowitz, ISSCC 2014) with cited areas and leakage.

Every entry names its row in docs/references/energy_tables.md or its own source.
"""

from __future__ import annotations

from dse import Technology

HOROWITZ45 = Technology(
    name="horowitz45",
    node_nm=45,
    # Horowitz ISSCC 2014 (45 nm, 0.9 V): int add 8 b 0.03 pJ, 32 b 0.1 pJ; int mul 8 b 0.2 pJ, 32 b 3.1 pJ.
    add_pj={8: 0.03, 32: 0.1},
    mul_pj={8: 0.2, 32: 3.1},
    # Horowitz: 64-bit SRAM reads of 10 / 20 / 100 pJ for 8 KB / 32 KB / 1 MB arrays, per bit.
    sram_read_pj_per_bit={8.0: 10 / 64, 32.0: 20 / 64, 1024.0: 100 / 64},
    # Horowitz gives reads only; writes are taken equal (the seed paper charges both alike).
    sram_write_factor=1.0,
    # Horowitz: DRAM 1300-2600 pJ per 64 bits; the low end, 20.3 pJ/bit.
    dram_pj_per_bit=1300 / 64,
    # Aladdin (Shao et al., ISCA 2014) 40 nm component table: 1-bit register 0.009 pJ.
    register_pj_per_bit=0.009,
    # CACTI 7, 45 nm ITRS low-operating-power cells, 32 KB SRAM, 64-bit port, 300 K:
    # 0.81 mW leakage over 0.112 mm² = 7.2 mW/mm² (our run of CACTI 7, configuration as stated).
    leakage_mw_per_mm2=0.81 / 0.112,
    # CACTI 7, 45 nm, 32 KB SRAM: 0.0949 mm² for 262,144 bits = 0.362 µm²/bit with periphery
    # (bit cell 146 F² = 0.296 µm²; Intel's 45 nm 6T cell is 0.346 µm², ITJ 12(2), 2008).
    sram_um2_per_bit=0.362,
    # Aladdin 40 nm: 32-bit adder 278 µm², 32-bit multiplier 6350 µm², 1-bit register 5.98 µm²;
    # scaled to 45 nm by (45/40)² = 1.27.
    add_um2={32: 278 * (45 / 40) ** 2},
    mul_um2={32: 6350 * (45 / 40) ** 2},
    register_um2_per_bit=5.98 * (45 / 40) ** 2,
    sources={
        "energy": "Horowitz, 'Computing's energy problem', ISSCC 2014 (energy_tables.md)",
        "register": "Aladdin 40 nm component table (Shao et al., ISCA 2014), via hwcomponents-library",
        "area": "Aladdin 40 nm adder/multiplier/register areas scaled (45/40)^2; SRAM: CACTI 7 45 nm",
        "leakage": "CACTI 7, 45 nm LOP devices, 32 KB SRAM: 7.2 mW/mm²",
        "dram": "Horowitz ISSCC 2014: 1300 pJ per 64-bit DRAM access (low end of 1300-2600)",
    },
)
