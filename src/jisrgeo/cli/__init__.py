"""The `jisrgeo` command: a thin shell over the Python API, one module per command group.

Heavy libraries (geopandas, folium, matplotlib) are imported inside the commands,
so `jisrgeo --help` and quick queries start fast.
"""

import click

from . import data, geo, publish, timeline

EPILOG = """\b
Examples:
  jisrgeo validate                         check the bundled dataset
  jisrgeo place "Jisr al-Choghour" --format json
  jisrgeo control --date 2015-05-10        who held what at the end of 10 May
  jisrgeo within hospital 10km --date 2015-05-09 --controller opposition
  jisrgeo build                            all maps and exports into maps/
Every command takes --data PATH to work on your own dataset folder."""


@click.group(epilog=EPILOG, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(package_name="jisrgeo")
def main():
    """Maps, queries and exports for the second battle of Jisr al-Shughur (2015)."""


for module in (data, timeline, geo, publish):
    for command in module.COMMANDS:
        main.add_command(command)
