import subprocess

import pytest


def pdf_tool(tool: str, data: bytes, *args: str) -> str:
    """Run a poppler tool (pdfinfo, pdftotext) on the PDF bytes and return its output."""
    result = subprocess.run(
        [f"/usr/bin/{tool}", *args, "-", "-"] if tool == "pdftotext" else [f"/usr/bin/{tool}", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    return result.stdout.decode()


@pytest.fixture
def pdf():
    return pdf_tool
