"""The book's figure style and the figure helpers more than one chapter uses.

* :mod:`~biasbook.plotting.style`: palette and Matplotlib style.
* :mod:`~biasbook.plotting.boolean`: Fourier weight by degree of Boolean functions.
"""
