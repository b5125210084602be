"""Units and precision per HMI.md; a missing value is a dash, never a zero."""
from hmi import format as fmt


def test_precision_and_signs():
    assert fmt.volts(53.416) == "53.42"
    assert fmt.volts(57.04, 1) == "57.0"
    assert fmt.amps(12.34) == "+12.3"
    assert fmt.amps(-0.7) == "-0.7"
    assert fmt.amps(-0.04) == "0.0" and fmt.amps(0.04) == "0.0"
    assert fmt.millivolts(3281) == "3281"
    assert fmt.celsius(-0.04) == "0.0" and fmt.celsius(-5.06) == "-5.1"
    assert fmt.percent(86.6) == "87"


def test_missing_values_are_dashes():
    for f in (fmt.volts, fmt.amps, fmt.millivolts, fmt.celsius, fmt.percent, fmt.amp_hours,
              fmt.clock, fmt.age):
        assert f(None) == fmt.MISSING


def test_age_reads_at_a_glance():
    assert fmt.age(8.9) == "8 s"
    assert fmt.age(185) == "3 min"
    assert fmt.age(3 * 3600 + 5) == "3 h"
